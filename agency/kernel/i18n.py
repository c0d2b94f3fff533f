"""Which language and time zone a page is shown in, and money in the agency's locale."""

from datetime import timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime
from babel.numbers import format_currency, get_currency_precision
from babel.units import format_unit
from flask import current_app, g, has_request_context, request
from flask_babel import get_locale, gettext
from flask_login import current_user

# The languages the product speaks, the first its default.
LANGUAGES = ("en", "de", "nl", "pt", "et", "id")
LANGUAGE_NAMES = {
    "en": "English",
    "de": "Deutsch",
    "nl": "Nederlands",
    "pt": "Português",
    "et": "Eesti",
    "id": "Bahasa Indonesia",
}


def _reader():
    """Whose language and zone the response is in: on the API its bearer alone (a session
    cookie, perhaps another agency's, never counts there), elsewhere the signed-in user."""
    if has_request_context() and request.path.startswith("/api/"):
        return g.get("api_user")
    return current_user if current_user else None


def select_locale() -> str:
    """The language: the user's own choice, then the browser's, then the agency's, then
    English; in the browser's own variant of it (en-GB, pt-BR, de-AT) for dates, times,
    numbers and money, when the browser names one."""
    return _in_browsers_region(_language())


def _language() -> str:
    reader = _reader()
    user_locale = getattr(reader, "locale", None)
    if user_locale:
        return user_locale
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        best = request.accept_languages.best_match(languages)
        if best:
            return best
    agency = getattr(reader, "agency", None)
    return agency.locale if agency else current_app.config["BABEL_DEFAULT_LOCALE"]


def _in_browsers_region(language: str) -> str:
    if not has_request_context():
        return language
    for tag, _quality in request.accept_languages:
        wanted, _, region = tag.replace("_", "-").partition("-")
        if wanted.lower() == language and region:
            try:
                return str(Locale.parse(f"{language}_{region}"))
            except (ValueError, UnknownLocaleError):
                continue
    return language


def page_language() -> str:
    """The page's language as HTML names it (``en-GB``)."""
    return str(get_locale()).replace("_", "-")


def select_timezone() -> str:
    agency = getattr(_reader(), "agency", None)
    return agency.timezone if agency else "UTC"


def money(amount_minor: int, currency: str) -> str:
    """Integer minor units shown in the page's locale, e.g. 12345 EUR -> '€123.45'."""

    amount = Decimal(amount_minor).scaleb(-get_currency_precision(currency))
    return format_currency(amount, currency, locale=str(get_locale()))


def format_in_zone(moment, zone: str, format: str = "short") -> str:
    """A moment on the given wall clock (a client's, not the page's), in the page's
    language, with the zone's name so nobody mistakes whose time it is."""

    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(zone))
    shown = format_datetime(local, format, tzinfo=local.tzinfo, locale=str(get_locale()))
    return f"{shown} ({zone})"


def duration(seconds: float, locale: str | None = None) -> str:
    """A span as a person reads it, in the page's locale: "2 days" from two days on,
    "14 hr 4 min" from an hour, "4 min" below (the desk's script words it the same way,
    as time passes)."""
    locale = locale or str(get_locale())
    minutes = int(abs(seconds) // 60)
    if minutes >= 2 * 24 * 60:
        return _unit(minutes // (24 * 60), "duration-day", "long", locale)
    hours, minutes = divmod(minutes, 60)
    said = _unit(minutes, "duration-minute", "short", locale)
    return f"{_unit(hours, 'duration-hour', 'short', locale)} {said}" if hours else said


@lru_cache(maxsize=4096)
def _unit(value: int, unit: str, length: str, locale: str) -> str:
    """A number of a unit in a locale's words (kept: a queue says the same few often)."""
    return format_unit(value, unit, length=length, locale=locale)


def due(moment, now) -> str:
    """How long until ``moment``: "due in 14 hr 4 min", or "2 days overdue"."""
    seconds = (moment - now).total_seconds()
    words = g.get("due_words") if has_request_context() else None
    if words is None:  # translated once a request: a queue says it two hundred times
        words = (
            gettext("due in %(duration)s"),
            gettext("%(duration)s overdue"),
            str(get_locale()),
        )
        if has_request_context():
            g.due_words = words
    return words[seconds < 0] % {"duration": duration(seconds, words[2])}


def elapsed(since, now) -> str:
    """A running timer, h:mm:ss (the page counts on from there)."""
    seconds = max(0, int((now - since).total_seconds()))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def last_day(exclusive_end):
    """A period's last day, from its end as stored (the day after)."""
    return exclusive_end - timedelta(days=1)


WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def language_name(code: str) -> str:
    """A language by its name in the page's language ("pt" -> "Portuguese")."""
    return get_locale().languages.get(code, code) if code else ""


def weekday_name(code: str, width: str = "wide") -> str:
    """A weekday by its name in the page's language ("mon" -> "Monday")."""
    if code not in WEEKDAY_CODES:
        return code
    return get_locale().days["format"][width][WEEKDAY_CODES.index(code)]


def spoken(languages) -> str:
    """Languages with their levels, as a person reads them: "Portuguese (native),
    English C1"."""
    said = []
    for entry in languages or ():
        name = language_name(entry.get("code", ""))
        level = entry.get("level") or ""
        said.append(f"{name} ({gettext('native')})" if level == "native" else f"{name} {level}")
    return ", ".join(said)
