"""A long-running process settles its heap once the app is built: the collector's full
passes then walk what requests and jobs allocate, not the app itself."""

import gc
import runpy

import pytest

from agency.kernel import heap
from tests.test_worker_killed import ROOT


@pytest.fixture
def unfrozen():
    """Each test starts with nothing frozen and leaves nothing frozen behind."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settling_hides_the_heap_from_the_collector(app, unfrozen):
    walked_before = len(gc.get_objects())
    frozen = heap.settle()
    assert frozen >= walked_before // 2  # the app's objects, at least
    assert gc.get_freeze_count() == frozen
    assert len(gc.get_objects()) < walked_before - frozen // 2
    garbage = [[]]
    garbage[0].append(garbage)  # a cycle made after settling is still collected
    del garbage
    assert gc.collect() >= 1


def test_gunicorn_settles_the_master_before_it_forks(unfrozen):
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["preload_app"] is True  # the app is built when the master is ready
    assert gc.get_freeze_count() == 0
    settings["when_ready"](server=None)
    assert gc.get_freeze_count() > 0
