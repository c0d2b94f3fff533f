"""Field checks shared by every schema, and loading input through a schema."""

import ipaddress
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from babel import Locale
from babel.numbers import list_currencies
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from marshmallow import ValidationError as SchemaError

from agency.kernel.errors import ValidationError
from agency.kernel.i18n import LANGUAGES

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$")
PASSWORD_MIN_LENGTH = 10


def email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise SchemaError(_("Enter a valid email address.")) from exc


def timezone(value: str) -> str:
    if value not in available_timezones():
        raise SchemaError(_("Unknown time zone: %(value)s.", value=value))
    try:
        ZoneInfo(value)
    except ZoneInfoNotFoundError as exc:
        raise SchemaError(_("Unknown time zone: %(value)s.", value=value)) from exc
    return value


def currency(value: str) -> str:
    if value.upper() not in list_currencies():
        raise SchemaError(_("Unknown currency code: %(value)s.", value=value))
    return value.upper()


def locale(value: str) -> str:
    if value not in LANGUAGES:
        raise SchemaError(_("Choose one of the supported languages."))
    return value


def slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise SchemaError(
            _("Use 3 to 63 lowercase letters, digits and hyphens, not starting or ending with one.")
        )
    return value


def phone(value: str) -> str:
    """A phone number in E.164, as phonenumbers reads it."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise SchemaError(
            _("Enter the number in international form, e.g. +44 20 7946 0000.")
        ) from exc
    if not phonenumbers.is_valid_number(number):
        raise SchemaError(_("This is not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def hostname(value: str) -> str:
    """A server's name (a domain name, its labels of letters, digits and hyphens, or an
    IP address), in its ASCII form, lower case."""
    value = value.strip().rstrip(".").lower()
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    try:
        ascii_name = value.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise SchemaError(_("Enter a server name, such as imap.example.com.")) from exc
    labels = ascii_name.split(".")
    if len(ascii_name) > 253 or not all(HOST_LABEL.match(label) for label in labels):
        raise SchemaError(_("Enter a server name, such as imap.example.com."))
    return ascii_name


def password(value: str) -> str:
    if len(value) < PASSWORD_MIN_LENGTH:
        raise SchemaError(_("Use at least %(count)d characters.", count=PASSWORD_MIN_LENGTH))
    return value


MAX_ID = 2**31 - 1


class Id(fields.Integer):
    """A row id: a positive integer the database can hold."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(1, MAX_ID))
        super().__init__(**kwargs)


class Checked(fields.String):
    """A string field that runs one of the checks above and keeps its normal form."""

    def __init__(self, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check

    def _deserialize(self, value, attr, data, **kwargs):
        return self.check(super()._deserialize(value, attr, data, **kwargs).strip())


def load(schema: Schema, data: dict) -> dict:
    """Validate ``data`` with ``schema``, raising the product's ValidationError. Beyond
    each schema's own rules, every schema refuses what the database cannot hold: text
    with a NUL character, and integers outside its integer columns' range."""
    try:
        loaded = schema.load(data)
    except SchemaError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        fields_ = {
            key: [_translated(str(m)) for m in _flatten(value)] for key, value in messages.items()
        }
        raise ValidationError(_("Some fields need attention."), fields_) from exc
    unstorable = _unstorable(schema, loaded if isinstance(loaded, dict) else {})
    if unstorable:
        raise ValidationError(_("Some fields need attention."), unstorable)
    return loaded


# What the database's integer columns hold.
INTEGER_RANGE = (-(2**31), 2**31 - 1)


def _unstorable(schema: Schema, loaded: dict) -> dict[str, list[str]]:
    by_attribute = {field.attribute or name: (name, field) for name, field in schema.fields.items()}
    found = {}
    for key, value in loaded.items():
        name, field = by_attribute.get(key, (key, None))
        message = _unstorable_value(field, value)
        if message:
            found[(field.data_key if field else None) or name] = [message]
    return found


def _unstorable_value(field, value) -> str | None:
    if value is None:
        return None
    if isinstance(field, fields.Nested) and isinstance(field.schema, Schema):
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                inner = _unstorable(field.schema, item)
                if inner:
                    return next(iter(inner.values()))[0]
        return None
    if isinstance(field, fields.List):
        for item in value:
            message = _unstorable_value(field.inner, item)
            if message:
                return message
        return None
    if isinstance(field, fields.Integer) and isinstance(value, int):
        low, high = INTEGER_RANGE
        if not low <= value <= high:
            return _("Enter a number between %(low)d and %(high)d.", low=low, high=high)
    if _holds_nul(value):
        return _("Remove the NUL character: the text cannot hold it.")
    return None


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_nul(item) for item in value)
    return False


def _flatten(value) -> list:
    if isinstance(value, dict):
        return [m for v in value.values() for m in _flatten(v)]
    if isinstance(value, list):
        return [m for v in value for m in _flatten(v)]
    return [value]


def _translated(message: str) -> str:
    """marshmallow's own messages, in the user's language."""
    known = {
        "Missing data for required field.": _("This field is required."),
        "Unknown field.": _("Unknown field."),
        "Not a valid string.": _("Enter text."),
        "Not a valid integer.": _("Enter a whole number."),
        "Not a valid boolean.": _("Enter true or false."),
        "Field may not be null.": _("This field is required."),
        "Invalid input type.": _("Invalid input type."),
        "Not a valid date.": _("Enter a date as YYYY-MM-DD."),
    }
    return known.get(message, message)


CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")


_START_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def time_of_day(value: str) -> None:
    """A start: HH:MM from 00:00 to 23:59."""
    if not isinstance(value, str) or not _START_RE.match(value):
        raise SchemaError(
            _("%(value)s is not a time of day: use HH:MM, 00:00 to 23:59.", value=value)
        )


def end_of_day_span(value: str) -> None:
    """An end: HH:MM up to 24:00 (midnight at the end of the day)."""
    if not isinstance(value, str) or not _TIME_RE.match(value):
        raise SchemaError(_("%(value)s is not an end time: use HH:MM, up to 24:00.", value=value))


def language_code(value: str) -> str:
    """An ISO 639-1 language code, as Babel knows them."""

    code = value.strip().lower()
    if len(code) != 2 or code not in Locale("en").languages:
        raise SchemaError(_("%(value)s is not an ISO 639-1 language code.", value=value))
    return code


def day_spans(spans) -> list[list[str]]:
    """One day's spans, [["09:00", "13:00"], ["14:00", "18:00"]]: HH:MM ("24:00" for
    midnight), each start before its end, none overlapping; given back in order."""
    if not isinstance(spans, list):
        raise SchemaError(_('Give hours per weekday, e.g. {"mon": [["09:00", "17:00"]]}.'))
    checked = sorted(_span(span) for span in spans)
    for earlier, later in zip(checked, checked[1:], strict=False):
        if later[0] < earlier[1]:
            raise SchemaError(
                _(
                    "The spans %(first)s and %(second)s overlap.",
                    first="-".join(earlier),
                    second="-".join(later),
                )
            )
    return checked


def _span(span) -> list[str]:
    if (
        not isinstance(span, list | tuple)
        or len(span) != 2
        or not all(isinstance(t, str) and _TIME_RE.match(t) for t in span)
        or span[0] >= span[1]
    ):
        raise SchemaError(_("Each span is a start and an end, HH:MM, the start first."))
    return [span[0], span[1]]


class WeeklyHours(fields.Field):
    """{"mon": [["09:00", "13:00"], ["14:00", "18:00"]], ...}: split shifts allowed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise SchemaError(_('Give hours per weekday, e.g. {"mon": [["09:00", "17:00"]]}.'))
        hours = {}
        for day, spans in value.items():
            if day not in WEEKDAYS:
                raise SchemaError(_("Unknown weekday: %(value)s.", value=day))
            hours[day] = day_spans(spans)
        return hours


class DaySpans(fields.Field):
    """[["09:00", "13:00"], ["14:00", "18:00"]]: one day's hours, split shifts allowed, []
    for none."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise SchemaError(_('Give the day\'s hours, e.g. [["09:00", "13:00"]].'))
        return day_spans(value)
