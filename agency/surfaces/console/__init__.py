"""The agency manager's console."""

# Each page module adds its pages to ``bp`` as it is imported.
from agency.surfaces.console import (  # noqa: F401
    billing,
    clients,
    contracts,
    imports,
    jobs,
    schedules,
    secretaries,
    sla,
    views,
    work,
)
from agency.surfaces.console.blueprint import bp

__all__ = ["bp"]
