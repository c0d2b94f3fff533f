"""The current tenant, for the request or job being handled."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_agency_id: ContextVar[int | None] = ContextVar("agency_id", default=None)
# Told of every change of tenant (row-level security moves an open transaction's setting).
_followers: list[Callable[[int | None], None]] = []


class NoTenant(RuntimeError):
    """A tenant-owned table was queried or written with no agency set."""


def current_agency_id() -> int | None:
    return _agency_id.get()


def require_agency_id() -> int:
    agency_id = _agency_id.get()
    if agency_id is None:
        raise NoTenant("no agency is set for this request or job")
    return agency_id


def set_current_agency(agency_id: int | None) -> None:
    """Make ``agency_id`` the tenant of this request or job (None clears it)."""
    _agency_id.set(agency_id)
    for follower in _followers:
        follower(agency_id)


def follow(callback: Callable[[int | None], None]) -> None:
    """Call ``callback(agency_id)`` whenever the tenant changes (once per callback)."""
    if callback not in _followers:
        _followers.append(callback)


@contextmanager
def use_agency(agency_id: int | None) -> Iterator[None]:
    """Run a block as ``agency_id``, restoring the previous tenant after it."""
    previous = _agency_id.get()
    set_current_agency(agency_id)
    try:
        yield
    finally:
        set_current_agency(previous)
