"""Public pages: the landing page and each agency's public page."""

# Each page module adds its pages to ``bp`` as it is imported.
from agency.surfaces.public import (  # noqa: F401
    book,
    calls,
    click,
    join,
    meet,
    signup,
    unsubscribe,
    views,
)
from agency.surfaces.public.blueprint import bp

__all__ = ["bp"]
