"""Narrowing a list of work items by what a request asks for, checked first: the API's
query parameters and the console's filter form take the same words."""

from flask_babel import gettext as _

from agency.domains.work.models import OPEN_STATUSES, Kind, Priority, Source, Status, WorkItem
from agency.kernel.errors import ValidationError
from agency.kernel.validation import MAX_ID

# Each filter and the values it takes: a word from its set, or a row id.
FILTERS = {
    "status": {s.value for s in Status},
    "priority": {p.value for p in Priority},
    "kind": {k.value for k in Kind},
    "source": {s.value for s in Source},
    "client_id": int,
    "assignee_id": int,
}
OPEN = [s.value for s in OPEN_STATUSES]


def _checked(name: str, values: list[str]) -> list:
    allowed = FILTERS[name]
    if allowed is int:
        if not all(v.isdigit() and 0 < int(v) <= MAX_ID for v in values):
            raise ValidationError.on(name, _("Give row ids (whole numbers)."))
        return [int(v) for v in values]
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise ValidationError.on(
            name, _("Unknown: %(values)s.", values=", ".join(v[:40] for v in unknown[:5]))
        )
    return values


def narrowed(statement, args):
    """``statement`` with a condition per filter given in ``args`` (a MultiDict: repeat
    a filter for several values; ``status=open`` stands for every open status,
    ``assignee_id=pool`` for nobody's)."""
    for name in FILTERS:
        values = [v for v in args.getlist(name) if v != ""]
        if name == "status" and "open" in values:
            values = [v for v in values if v != "open"] + OPEN
        pool = name == "assignee_id" and "pool" in values
        if pool:
            values = [v for v in values if v != "pool"]
        if not values and not pool:
            continue
        column = getattr(WorkItem, name)
        condition = column.in_(_checked(name, values)) if values else None
        if pool:
            condition = column.is_(None) if condition is None else condition | column.is_(None)
        statement = statement.where(condition)
    return statement
