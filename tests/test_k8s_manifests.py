"""The image (Dockerfile) and the Kubernetes manifests (k8s/, rendered by scripts/k8s-check):
valid objects, locked-down pods, no secret in the repository, and in step with the code
they run (its queues, its routes, the settings it reads, the one minute tick)."""

import json
import re
import subprocess
from pathlib import Path

import gunicorn.config
import jsonschema
import kubernetes_validate
import pytest
import yaml
from redis import Redis
from rq import Queue
from werkzeug.exceptions import HTTPException

from agency.kernel.queue import QUEUE_NAMES

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("base", "dev", "production")
KUBERNETES_VERSION = kubernetes_validate.latest_version()
KEDA_SCHEMAS = {
    "ScaledObject": ROOT / "k8s/schemas/scaledobject.json",
    "TriggerAuthentication": ROOT / "k8s/schemas/triggerauthentication.json",
}
POD_OWNERS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
APP_IMAGE = "secretariat"
# A name with one of these words (SECRET_KEY, ENCRYPTION_KEYS; not SECRETARIAT_ENV).
SECRET_WORDS = {"KEY", "KEYS", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "TOKEN", "TOKENS"}
CREDENTIALS_IN_URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s]*@", re.IGNORECASE)
# Connections name a host and, sooner or later, a password: always from the Secret.
CONNECTION_SETTINGS = {"DATABASE_URL", "DATABASE_MIGRATE_URL", "DATABASE_LISTEN_URL"}
CONNECTION_SETTINGS |= {"REDIS_URL", "SMTP_URL"}
# Where a setting may be read: the project's processes, and gunicorn's own settings
# (WEB_CONCURRENCY is its number of workers).
SOURCES = [
    *sorted((ROOT / "agency").rglob("*.py")),
    *sorted((ROOT / "workers").rglob("*.py")),
    *sorted((ROOT / "tenants").rglob("*.py")),
    ROOT / "wsgi.py",
    ROOT / "gunicorn.conf.py",
    Path(gunicorn.config.__file__),
]
NO_CRON = "--no-cron"
MIGRATE = ["flask", "--app", "wsgi", "db", "upgrade"]
# What k8s/README.md applies before a rollout (kubectl apply -l): the Job and what it needs.
MIGRATION_STEP = ("app.kubernetes.io/name", "secretariat", {"web", "worker", "scheduler"})


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> dict[str, list[dict]]:
    """Each environment's objects, rendered by scripts/k8s-check (which installs its
    renderer when the machine has none: a renderer missing is a failure, not a skip)."""
    out = tmp_path_factory.mktemp("k8s")
    done = subprocess.run(
        ["bash", str(ROOT / "scripts/k8s-check"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        pytest.fail(f"scripts/k8s-check failed:\n{done.stdout}\n{done.stderr}")
    return {
        name: [obj for obj in yaml.safe_load_all((out / f"{name}.yaml").read_text()) if obj]
        for name in ENVIRONMENTS
    }


@pytest.fixture(params=ENVIRONMENTS)
def objects(request, rendered) -> list[dict]:
    return rendered[request.param]


def _looks_secret(name: str) -> bool:
    return bool(SECRET_WORDS & set(name.upper().split("_")))


def _pinned(image: str) -> bool:
    """A digest, or a tag that names a version (not ``latest``)."""
    name, _, digest = image.partition("@")
    return bool(digest) or name.rsplit("/", 1)[-1].partition(":")[2] not in {"", "latest"}


def _of_kind(objects, kind) -> list[dict]:
    return [obj for obj in objects if obj["kind"] == kind]


def _named(objects, kind, name) -> dict:
    (found,) = [obj for obj in _of_kind(objects, kind) if obj["metadata"]["name"] == name]
    return found


def _pod_spec(obj) -> dict | None:
    return obj["spec"]["template"]["spec"] if obj["kind"] in POD_OWNERS else None


def _containers(obj) -> list[dict]:
    spec = _pod_spec(obj) or {}
    return spec.get("initContainers", []) + spec.get("containers", [])


def _all_containers(objects) -> list[tuple[dict, dict]]:
    return [(obj, container) for obj in objects for container in _containers(obj)]


def _is_app(container) -> bool:
    repository = container["image"].split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    return repository == APP_IMAGE


def _app_containers(objects):
    return [(obj, c) for obj, c in _all_containers(objects) if _is_app(c)]


def _worker_command(container) -> list[str] | None:
    """The arguments after ``python -m workers``, or None for another command."""
    command = container.get("command", []) + container.get("args", [])
    return command[3:] if command[:3] == ["python", "-m", "workers"] else None


def _workers(objects) -> dict[str, list[str]]:
    """Each Deployment that runs a worker: its worker's arguments."""
    return {
        obj["metadata"]["name"]: arguments
        for obj in _of_kind(objects, "Deployment")
        for container in _containers(obj)
        if (arguments := _worker_command(container)) is not None
    }


def _queues(arguments) -> list[str]:
    return [argument for argument in arguments if not argument.startswith("-")]


def _autoscaled(objects) -> set[str]:
    scalers = _of_kind(objects, "ScaledObject") + _of_kind(objects, "HorizontalPodAutoscaler")
    return {obj["spec"]["scaleTargetRef"]["name"] for obj in scalers}


def test_every_object_matches_its_schema(objects):
    problems = []
    for obj in objects:
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        if obj["apiVersion"].startswith("keda.sh/"):
            schema = json.loads(KEDA_SCHEMAS[obj["kind"]].read_text())
            validator = jsonschema.Draft202012Validator(schema)
            problems += [f"{name}: {error.message}" for error in validator.iter_errors(obj)]
            continue
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{name}: {error.message} at {list(error.path)}")
    assert problems == []
    assert _of_kind(objects, "ScaledObject")


def test_every_container_has_resources_and_a_locked_down_security_context(objects):
    problems = []
    for obj, container in _all_containers(objects):
        where = f"{obj['metadata']['name']}/{container['name']}"
        pod = _pod_spec(obj).get("securityContext", {})
        own = container.get("securityContext", {})
        for bound in ("requests", "limits"):
            given = container.get("resources", {}).get(bound, {})
            if not {"cpu", "memory"} <= given.keys():
                problems.append(f"{where}: no cpu and memory {bound}")
        if own.get("runAsNonRoot", pod.get("runAsNonRoot")) is not True:
            problems.append(f"{where}: may run as root")
        if own.get("runAsUser", pod.get("runAsUser")) in (None, 0):
            problems.append(f"{where}: no non-root runAsUser")
        if own.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: writable root filesystem")
        if own.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: may escalate privileges")
        if own.get("capabilities", {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: keeps capabilities")
    assert problems == []


def test_app_containers_run_as_the_image_user_with_tmp_on_a_volume(objects):
    for obj, container in _app_containers(objects):
        pod = _pod_spec(obj)
        context = {**pod["securityContext"], **container.get("securityContext", {})}
        assert context["runAsUser"] == 10001, obj["metadata"]["name"]
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]], obj["metadata"]["name"]


def test_images_are_pinned_to_a_version(objects):
    unpinned = [c["image"] for _obj, c in _all_containers(objects) if not _pinned(c["image"])]
    assert unpinned == []


def test_secret_settings_come_from_the_secret(objects):
    problems = []
    for obj, container in _all_containers(objects):
        for variable in container.get("env", []):
            name, where = variable["name"], f"{obj['metadata']['name']}: {variable['name']}"
            if "value" in variable and (
                _looks_secret(name)
                or name in CONNECTION_SETTINGS
                or CREDENTIALS_IN_URL.match(variable["value"])
            ):
                problems.append(f"{where} is written in the manifests")
            source = variable.get("valueFrom", {})
            if name in CONNECTION_SETTINGS and "secretKeyRef" not in source:
                problems.append(f"{where} is not from a Secret")
    for config in _of_kind(objects, "ConfigMap"):
        for name, value in config.get("data", {}).items():
            if _looks_secret(name) or name in CONNECTION_SETTINGS:
                problems.append(f"ConfigMap {config['metadata']['name']}: {name}")
            if CREDENTIALS_IN_URL.match(value):
                problems.append(f"ConfigMap {config['metadata']['name']}: {name} has credentials")
    assert problems == []


def test_no_secret_values_are_kept_in_the_repository(objects):
    for secret in _of_kind(objects, "Secret"):
        assert not secret.get("data") and not secret.get("stringData"), secret["metadata"]


def test_every_setting_in_the_manifests_is_read_by_the_code(objects):
    configs = {
        obj["metadata"]["name"]: obj.get("data", {}) for obj in _of_kind(objects, "ConfigMap")
    }
    names = set()
    for _obj, container in _app_containers(objects):
        names |= {variable["name"] for variable in container.get("env", [])}
        for source in container.get("envFrom", []):
            names |= configs[source["configMapRef"]["name"]].keys()
    code = "\n".join(path.read_text() for path in SOURCES)
    unread = sorted(name for name in names if not re.search(rf"[\"']{name}[\"']", code))
    assert names and unread == []


def test_the_web_runs_gunicorn_on_wsgi_app_with_probes(objects):
    web = _named(objects, "Deployment", "web")
    (container,) = _containers(web)
    command = container["command"] + container.get("args", [])
    assert command[0] == "gunicorn" and "wsgi:app" in command
    assert "0.0.0.0:8000" in command
    assert [port["containerPort"] for port in container["ports"]] == [8000]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_every_probe_path_is_a_route_of_the_app(app, rendered):
    urls = app.url_map.bind("localhost")
    paths = {
        probe["httpGet"]["path"]
        for objects in rendered.values()
        for _obj, container in _app_containers(objects)
        for kind in ("livenessProbe", "readinessProbe", "startupProbe")
        if "httpGet" in (probe := container.get(kind, {}))
    }
    unrouted = []
    for path in sorted(paths):
        try:
            urls.match(path, method="GET")
        except HTTPException:
            unrouted.append(path)
    assert paths and unrouted == []


def test_the_migrations_job_upgrades_the_schema_as_the_owner(objects):
    job = _named(objects, "Job", "migrate")
    (container,) = _containers(job)
    assert container["command"] + container.get("args", []) == MIGRATE
    sources = {variable["name"]: variable.get("valueFrom", {}) for variable in container["env"]}
    assert "secretKeyRef" in sources["DATABASE_MIGRATE_URL"]


def test_the_migration_step_applies_the_job_and_what_it_needs_only(objects):
    key, value, left_out = MIGRATION_STEP
    picked = {
        obj["kind"]
        for obj in objects
        if obj["metadata"].get("labels", {}).get(key) == value
        and obj["metadata"]["labels"].get("app.kubernetes.io/component") not in left_out
    }
    assert {"Job", "ConfigMap", "ServiceAccount", "NetworkPolicy"} <= picked
    assert not picked & {"Deployment", "HorizontalPodAutoscaler", "ScaledObject", "Service"}


def test_scaled_workers_take_every_queue_of_the_code(objects):
    workers = _workers(objects)
    deployments = {obj["metadata"]["name"] for obj, _c in _app_containers(objects)}
    assert set(workers) == deployments - {"web", "migrate"}  # every other one is a worker
    scaled = {name: args for name, args in workers.items() if NO_CRON in args}
    taken = [queue for args in workers.values() for queue in _queues(args)]
    assert set(taken) <= set(QUEUE_NAMES)
    assert set().union(*(_queues(args) for args in scaled.values())) == set(QUEUE_NAMES)


def test_each_scaled_object_watches_the_queues_of_its_workers(objects):
    workers = _workers(objects)
    unused = Redis()  # Queue.key needs no server
    authentications = {a["metadata"]["name"] for a in _of_kind(objects, "TriggerAuthentication")}
    scaled = _of_kind(objects, "ScaledObject")
    assert {obj["spec"]["scaleTargetRef"]["name"] for obj in scaled} == {
        name for name, args in workers.items() if NO_CRON in args
    }
    for obj in scaled:
        target = obj["spec"]["scaleTargetRef"]["name"]
        triggers = obj["spec"]["triggers"]
        lists = [trigger["metadata"]["listName"] for trigger in triggers]
        expected = [Queue(queue, connection=unused).key for queue in _queues(workers[target])]
        assert sorted(lists) == sorted(expected), target
        assert {t["authenticationRef"]["name"] for t in triggers} <= authentications


def test_autoscaled_deployments_leave_their_replicas_to_the_autoscaler(objects):
    for name in _autoscaled(objects):
        assert "replicas" not in _named(objects, "Deployment", name)["spec"], name


def test_one_singleton_deployment_runs_the_minute_tick(objects):
    ticking = [name for name, args in _workers(objects).items() if NO_CRON not in args]
    assert len(ticking) == 1
    (name,) = ticking
    assert "--burst" not in _workers(objects)[name]
    spec = _named(objects, "Deployment", name)["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "Recreate"
    assert name not in _autoscaled(objects)
    for config in _of_kind(objects, "ConfigMap"):
        switch = config.get("data", {}).get("SCHEDULES_ENABLED", "1")
        assert switch.strip().lower() in {"1", "true", "yes", "on"}


# --- the image -----------------------------------------------------------------------------


def _dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions, (KEYWORD, rest), with continued lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def _stages() -> list[list[tuple[str, str]]]:
    stages = []
    for keyword, rest in _dockerfile():
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, rest))
    return stages


def test_the_image_is_built_in_stages_from_pinned_images():
    stages = _stages()
    assert len(stages) >= 2
    names = set()
    for stage in stages:
        image, *alias = stage[0][1].split()
        assert image in names or _pinned(image), image  # an earlier stage, or pinned
        names.add(alias[-1] if alias else image)
    assert stages[-1][0][1].split()[0].startswith("python:3.11")
    build = "\n".join(rest for stage in stages[:-1] for keyword, rest in stage if keyword == "RUN")
    assert "pybabel compile" in build and "pip wheel" in build


def test_the_final_stage_runs_gunicorn_as_a_numeric_user_with_a_health_check():
    final = _stages()[-1]
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users and re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", users[-1])
    (healthcheck,) = [rest for keyword, rest in final if keyword == "HEALTHCHECK"]
    assert "/healthz" in healthcheck and "urllib" in healthcheck
    assert ("EXPOSE", "8000") in final
    (command,) = [json.loads(rest) for keyword, rest in final if keyword in {"CMD", "ENTRYPOINT"}]
    assert command[0] == "gunicorn" and "wsgi:app" in command
    installs = " ".join(rest for keyword, rest in final if keyword == "RUN")
    assert not re.search(r"build-essential|\bgcc\b|\bg\+\+", installs)
    copied = [rest for keyword, rest in final if keyword == "COPY" and "--from=" in rest]
    assert any(rest.split()[1].endswith("/agency") for rest in copied)  # translations compiled


def test_the_image_names_no_secret():
    for keyword, rest in _dockerfile():
        if keyword in {"ARG", "ENV"}:
            names = re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", rest) or [rest.split()[0]]
            for name in names:
                assert not _looks_secret(name) and name not in CONNECTION_SETTINGS, name


def test_the_build_context_leaves_out_local_state():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", ".git", "instance", "test-results", "**/*.pyc", "**/__pycache__"} <= ignored
