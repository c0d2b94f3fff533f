"""The agency manager's console."""

# Each page module adds its pages to ``bp`` as it is imported.
from agency.surfaces.console import (  # noqa: F401
    billing,
    contracts,
    imports,
    jobs,
    people,
    schedules,
    sla,
    views,
    work,
)
from agency.surfaces.console.blueprint import bp

__all__ = ["bp"]
