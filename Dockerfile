# syntax=docker/dockerfile:1
# Secretariat's image: one image for every process.
#   web          gunicorn wsgi:app (the default command; settings in gunicorn.conf.py)
#   worker       python -m workers [QUEUES...] [--no-cron]
#   migrations   flask --app wsgi db upgrade
# Settings and secrets come from the environment at run time (docs/configuration.md);
# none is baked in. k8s/ runs it with a read-only root filesystem and /tmp as a volume.

# --- build: wheels of the pinned dependencies, and the compiled translations ------------
FROM python:3.11.13-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# A compiler for any dependency published without a wheel for this platform.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# requirements/run.txt is pyproject.toml's dependencies locked with their hashes
# (`make lock`): pip checks every download against them.
COPY requirements/run.txt requirements/run.txt
RUN pip wheel --require-hashes --wheel-dir /wheels -r requirements/run.txt

COPY pyproject.toml README.md babel.cfg wsgi.py gunicorn.conf.py ./
COPY agency agency
COPY tenants tenants
COPY workers workers
COPY migrations migrations

# The same command as `make translations`, with Babel from the wheels just built.
RUN pip install --no-index --find-links /wheels babel \
    && pybabel compile --statistics -d agency/translations
# The project's own wheel: proof that pyproject.toml builds. The image runs the source
# tree below instead, because the app finds migrations/ beside its package.
RUN pip wheel --no-deps --wheel-dir /dist .

# --- runtime: the interpreter, the wheels, the app; no compiler, no pip cache ------------
FROM python:3.11.13-slim-bookworm AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PATH=/opt/venv/bin:$PATH \
    HOME=/tmp \
    XDG_CACHE_HOME=/tmp/.cache \
    INSTANCE_PATH=/tmp/secretariat

# WeasyPrint renders letters to PDF with Pango (scripts/system-packages, `run`).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 secretariat \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /tmp --shell /usr/sbin/nologin secretariat

# The wheels are mounted for this step only: they never become a layer of the image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-index --no-deps /wheels/*.whl

WORKDIR /app
# Owned by root and read-only to the app's user: the process cannot change its own code.
COPY --from=build /src/agency agency
COPY --from=build /src/tenants tenants
COPY --from=build /src/workers workers
COPY --from=build /src/migrations migrations
COPY --from=build /src/wsgi.py /src/gunicorn.conf.py ./
RUN python -m compileall -q /app

USER 10001:10001
EXPOSE 8000

# For the web process; a worker's container in plain Docker runs with --no-healthcheck
# (Kubernetes ignores HEALTHCHECK and uses the probes in k8s/).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]

CMD ["gunicorn", "--bind", "0.0.0.0:8000", "wsgi:app"]
