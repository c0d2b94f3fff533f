"""The layers hold, and import-linter's contracts catch a change that breaks one: on a
copy of the source, each kind of forbidden import fails `lint-imports` with that import
named, and the copy as it stands passes."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
PACKAGES = ("agency", "tenants", "workers")

# (module that gains the import, the import, the contract it breaks)
BREAKS = [
    ("agency/domains/clients/models.py", "agency.surfaces.web.forms", "Surfaces over domains"),
    ("agency/domains/hours/totals.py", "agency.surfaces.web.forms", "Surfaces over domains"),
    ("agency/domains/hours/totals.py", "workers.jobs", "never import the worker process"),
    ("agency/kernel/labels.py", "workers.jobs", "never import the worker process"),
    ("agency/surfaces/desk/live.py", "agency.surfaces.console.views", "Surfaces never import"),
    ("agency/kernel/clock.py", "tenants.context", "The kernel's leaves under tenants"),
    ("agency/kernel/hotpool.py", "tenants.context", "The kernel's leaves under tenants"),
    ("agency/domains/websites/models.py", "agency.domains.promotions.models",
     "Promotions build on the clients"),
]  # fmt: skip


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """The packages' Python files and the contracts, without anything else."""
    copy = tmp_path_factory.mktemp("layers")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            copy / package,
            ignore=lambda folder, names: [
                n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()
            ],
        )
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def _lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(folder)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_layers_hold(source):
    answer = _lint(source)
    assert answer.returncode == 0, answer.stdout[-2000:]
    assert "0 broken" in answer.stdout


@pytest.mark.parametrize(("module", "imported", "contract"), BREAKS)
def test_a_forbidden_import_breaks_its_contract(source, module, imported, contract):
    path = source / module
    kept = path.read_text()
    path.write_text(f"{kept}\nimport {imported}  # breaks a layer\n")
    try:
        answer = _lint(source)
    finally:
        path.write_text(kept)
    assert answer.returncode != 0
    assert "0 broken" not in answer.stdout, answer.stdout[-2000:]
    broken = answer.stdout.split("Broken contracts")[-1]
    assert contract in broken and imported in broken, broken[:2000]
