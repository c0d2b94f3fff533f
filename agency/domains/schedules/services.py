"""Recurring rules: keep them valid, and turn each due occurrence into exactly one work item."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.schedules import recurrence
from agency.domains.schedules.models import Frequency, RecurringRule
from agency.domains.schedules.schemas import RecurringRuleSchema
from agency.domains.work.creation import create_item
from agency.domains.work.models import Source
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.records import apply, values_for
from agency.kernel.validation import WEEKDAYS

# Occurrences older than this are not made up for (a scheduler that was down a month
# does not bury the desk); nor are any from before the rule was created or resumed.
LOOK_BACK = timedelta(days=7)


def source_key(rule_id: int, occurrence: datetime) -> str:
    """One key per rule and occurrence: the work item's idempotency key."""
    return f"rule:{rule_id}:{occurrence.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def _check(rule: RecurringRule) -> None:
    """Refuse a rule that cannot be followed; fields are checked together, after merging."""
    client = db.session.get(Client, rule.client_id)
    if client is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    if client.archived_at is not None:
        raise ValidationError.on("client_id", _("This client is archived."))
    if rule.frequency == Frequency.weekly and not rule.weekdays:
        raise ValidationError.on("weekdays", _("Choose at least one weekday."))
    if rule.frequency == Frequency.monthly and rule.day_of_month is None:
        raise ValidationError.on("day_of_month", _("Choose the day of the month."))
    if rule.frequency == Frequency.rrule and not (rule.rrule or "").strip():
        raise ValidationError.on("rrule", _("Write the rule, e.g. FREQ=WEEKLY;BYDAY=MO,TH."))
    if rule.ends_on is not None and rule.ends_on < rule.starts_on:
        raise ValidationError.on("ends_on", _("The end date is before the start date."))
    recurrence.build(rule)  # an RRULE that does not parse raises here
    first = recurrence.upcoming(rule, _day_before(rule), 1)
    if not first:
        raise ValidationError.on(
            "rrule" if rule.frequency == Frequency.rrule else "ends_on",
            _("This rule never occurs between its start and end dates."),
        )


def _day_before(rule: RecurringRule) -> datetime:
    start = datetime.combine(rule.starts_on, datetime.min.time(), ZoneInfo(rule.timezone))
    return start.astimezone(UTC) - timedelta(days=1)


def _normalise(rule: RecurringRule) -> None:
    """Keep only the fields of the rule's frequency, so a rule never says two things."""
    if rule.frequency != Frequency.weekly:
        rule.weekdays = []
    else:
        rule.weekdays = [d for d in WEEKDAYS if d in set(rule.weekdays)]
    if rule.frequency != Frequency.monthly:
        rule.day_of_month = None
    if rule.frequency != Frequency.rrule:
        rule.rrule = None
    else:
        rule.rrule = recurrence.normal_rrule(rule.rrule)


def create_rule(data: dict, created_by_id: int | None = None) -> RecurringRule:
    values = values_for(RecurringRuleSchema(), data)
    client = db.session.get(Client, values["client_id"])
    if client is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    values["timezone"] = values["timezone"] or client.timezone
    values["starts_on"] = (
        values["starts_on"] or clock.now().astimezone(ZoneInfo(values["timezone"])).date()
    )
    rule = RecurringRule(**values, created_by_id=created_by_id, checked_until=clock.now())
    with db.session.no_autoflush:
        _normalise(rule)
        _check(rule)
    db.session.add(rule)
    db.session.commit()
    return rule


def update_rule(rule: RecurringRule, data: dict) -> RecurringRule:
    """Change a rule; its new schedule applies from now on (nothing past is made up)."""
    values = values_for(RecurringRuleSchema(), data, partial=True)
    if "timezone" in values and values["timezone"] is None:
        client = db.session.get(Client, values.get("client_id", rule.client_id))
        values["timezone"] = client.timezone if client else rule.timezone
    if "starts_on" in values and values["starts_on"] is None:
        values.pop("starts_on")
    was_active = rule.active
    with db.session.no_autoflush:
        apply(rule, values)
        _normalise(rule)
        _check(rule)
    if rule.active and (not was_active or _schedule_changed(values)):
        rule.checked_until = clock.now()
    db.session.commit()
    return rule


SCHEDULE_FIELDS = {
    "frequency",
    "time_of_day",
    "weekdays",
    "day_of_month",
    "rrule",
    "timezone",
    "starts_on",
}


def _schedule_changed(values: dict) -> bool:
    return bool(SCHEDULE_FIELDS & set(values))


def set_active(rule: RecurringRule, active: bool) -> RecurringRule:
    """Pause or resume; a resumed rule does not make up what fell due while paused."""
    if active and not rule.active:
        rule.checked_until = clock.now()
    rule.active = active
    db.session.commit()
    return rule


def delete_rule(rule: RecurringRule) -> None:
    """Delete the rule; the items it already made stay on the queue."""
    db.session.delete(rule)
    db.session.commit()


def rules(client_id: int | None = None) -> list[RecurringRule]:
    statement = select(RecurringRule).order_by(RecurringRule.client_id, RecurringRule.id)
    if client_id is not None:
        statement = statement.where(RecurringRule.client_id == client_id)
    return db.session.scalars(statement).all()


def due_occurrences(rule: RecurringRule, now: datetime) -> list[datetime]:
    """Occurrences that fell due since the rule was last checked, bounded by LOOK_BACK."""
    start = max(rule.checked_until, now - LOOK_BACK)
    return recurrence.between(rule, start, now)


def materialise(rule: RecurringRule, now: datetime | None = None) -> int:
    """Make the work item of each due occurrence; returns how many were new.

    The item's source key names the rule and the occurrence, so a second run, or two
    workers at once, make each item once (the unique key settles a race).
    """

    now = now or clock.now()
    rule_id, client_id = rule.id, rule.client_id
    template = {"kind": rule.kind, "title": rule.title, "body": rule.body}
    template["priority"] = rule.priority
    made = 0
    for occurrence in due_occurrences(rule, now):
        _item, created = create_item(
            {
                **template,
                "client_id": client_id,
                "source": Source.schedule.value,
                "source_key": source_key(rule_id, occurrence),
                "links": {"recurring_rule_id": rule_id, "occurrence": occurrence.isoformat()},
            }
        )
        made += created
    return made


def materialise_due(now: datetime | None = None) -> int:
    """Every active rule of the current agency, up to now; returns the new items."""
    now = now or clock.now()
    made = 0
    rule_ids = db.session.scalars(
        select(RecurringRule.id)
        .join(Client, Client.id == RecurringRule.client_id)
        .where(RecurringRule.active.is_(True), Client.archived_at.is_(None))
        .order_by(RecurringRule.id)
    ).all()
    for rule_id in rule_ids:
        rule = db.session.get(RecurringRule, rule_id)
        if rule is None:
            continue
        made += materialise(rule, now)
        rule = db.session.get(RecurringRule, rule_id)
        if rule is not None and rule.checked_until < now:
            rule.checked_until = now
        db.session.commit()
    return made
