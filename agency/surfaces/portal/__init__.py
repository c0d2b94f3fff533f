"""The client's portal."""

# Each page module adds its pages to ``bp`` as it is imported.
from agency.surfaces.portal import billing, calendar, onboarding, team, travel, views  # noqa: F401
from agency.surfaces.portal.blueprint import bp

__all__ = ["bp"]
