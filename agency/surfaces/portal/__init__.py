"""The client's portal."""

# Each page module adds its pages to ``bp`` as it is imported.
from agency.surfaces.portal import (  # noqa: F401
    billing,
    calendar,
    campaigns,
    onboarding,
    paperwork,
    team,
    travel,
    vault,
    views,
    websites,
)
from agency.surfaces.portal.blueprint import bp

__all__ = ["bp"]
