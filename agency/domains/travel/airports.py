"""Airports by their IATA code (the `airportsdata` tables): the name, the city and the
time zone a flight's local times are read in."""

from functools import lru_cache

import airportsdata


@lru_cache(maxsize=1)
def _by_code() -> dict:
    return airportsdata.load("IATA")


def airport(code: str | None) -> dict | None:
    """The airport of a three-letter IATA code (any case), or None."""
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        return None
    return _by_code().get(code)
