"""Plain-text shapes (console forms, CSV cells) turned into the API's JSON shapes.

A manager types "pt C2, en B2" or "mon-fri 09:00-17:00"; the schema behind the
service then checks the result exactly as it checks the API's JSON.
"""

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_precision
from flask_babel import gettext as _

from agency.kernel.errors import ValidationError
from agency.kernel.validation import WEEKDAYS

_SPAN = re.compile(r"^(\d\d:\d\d)-(\d\d:\d\d)$")


def _items(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def languages(text: str | None, field: str) -> list[dict]:
    result = []
    for item in _items(text):
        parts = item.split()
        if len(parts) != 2:
            raise ValidationError.on(
                field, _("Write languages as a code and a level: pt C2, en B2.")
            )
        result.append({"code": parts[0], "level": parts[1]})
    return result


def show_languages(entries: list[dict]) -> str:
    return ", ".join(f"{e['code']} {e['level']}" for e in entries)


def codes(text: str | None) -> list[str]:
    return _items(text)


def specialities(text: str | None) -> list[dict]:
    result = []
    for item in _items(text):
        code, _sep, training = item.partition(":")
        result.append({"code": code.strip(), "training": training.strip()})
    return result


def show_specialities(entries: list[dict]) -> str:
    return ", ".join(
        e["code"] + (f": {e['training']}" if e.get("training") else "") for e in entries
    )


def skills(text: str | None, field: str) -> dict:
    result = {}
    for item in _items(text):
        name, _sep, level = item.partition("=")
        if not level.strip().isdigit():
            raise ValidationError.on(
                field, _("Write skills as name=number: typing_wpm=80, customer_service=4.")
            )
        result[name.strip()] = int(level)
    return result


def show_skills(values: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())


def weekly_hours(text: str | None, field: str) -> dict:
    """Lines like "mon-fri 09:00-17:00" or "sat 09:00-12:00 14:00-16:00"."""
    hours: dict[str, list] = {}
    for line in (text or "").splitlines():
        words = line.split()
        if not words:
            continue
        days = _days(words[0])
        spans = [_SPAN.match(w) for w in words[1:]]
        if days is None or not spans or not all(spans):
            raise ValidationError.on(
                field, _("Write one line per day or range: mon-fri 09:00-17:00.")
            )
        for day in days:
            hours.setdefault(day, []).extend([m.group(1), m.group(2)] for m in spans)
    return hours


def _days(word: str) -> list[str] | None:
    first, _sep, last = word.lower().partition("-")
    if first not in WEEKDAYS or (last and last not in WEEKDAYS):
        return None
    start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
    return list(WEEKDAYS[start : end + 1]) if start <= end else None


def show_weekly_hours(hours: dict) -> str:
    return "\n".join(
        day + " " + " ".join(f"{a}-{b}" for a, b in hours[day]) for day in WEEKDAYS if day in hours
    )


def day_spans(text: str | None, field: str) -> list[list[str]]:
    """One day's hours, "10:00-13:00 14:00-18:00" (commas allowed); empty for none."""
    spans = [_SPAN.match(w) for w in (text or "").replace(",", " ").split()]
    if not all(spans):
        raise ValidationError.on(field, _("Write the hours as 10:00-13:00 14:00-18:00."))
    return [[m.group(1), m.group(2)] for m in spans]


def show_day_spans(spans: list) -> str:
    return " ".join(f"{a}-{b}" for a, b in spans)


def minor_units(text: str | None, currency: str, field: str) -> int:
    """An amount typed in major units ("35.50") as integer minor units of ``currency``."""
    try:
        amount = Decimal((text or "0").strip().replace(",", "."))
    except InvalidOperation as exc:
        raise ValidationError.on(field, _("Enter an amount, e.g. 35.50.")) from exc
    return int(amount.scaleb(get_currency_precision(currency or "EUR")).to_integral_value())


def show_major_units(amount_minor: int, currency: str) -> str:
    return str(Decimal(amount_minor).scaleb(-get_currency_precision(currency)))


def minutes_from_hours(text: str | None, field: str) -> int:
    try:
        return int((Decimal((text or "0").strip().replace(",", ".")) * 60).to_integral_value())
    except InvalidOperation as exc:
        raise ValidationError.on(field, _("Enter a number of hours, e.g. 10 or 7.5.")) from exc
