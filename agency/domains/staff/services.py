"""Secretary profiles: create, update, archive, with their rules."""

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import JSON, Integer, func, literal, null, select, union_all
from sqlalchemy.exc import IntegrityError

from agency.domains.sla.models import Holiday
from agency.domains.staff.models import Absence, Secretary, ShiftOverride
from agency.domains.staff.schedule import WorkingCalendar
from agency.domains.staff.schemas import AbsenceSchema, SecretarySchema, ShiftOverrideSchema
from agency.kernel import live, records
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotAllowed, NotFound, ValidationError
from agency.kernel.records import apply, values_for
from tenants import require_agency_id


def _check(values: dict, secretary: Secretary | None = None) -> None:
    if "email" in values:
        taken = db.session.scalar(
            select(Secretary.id).where(func.lower(Secretary.email) == values["email"].lower())
        )
        if taken is not None and (secretary is None or taken != secretary.id):
            raise Conflict.on("email", _("A secretary with this email exists."))
    lead_id = values.get("team_lead_id")
    if lead_id is not None:
        lead = db.session.get(Secretary, lead_id)
        if lead is None or (secretary is not None and lead.id == secretary.id):
            raise ValidationError.on(
                "team_lead_id", _("Choose another secretary of this agency as team lead.")
            )


def new_secretary(data: dict) -> Secretary:
    """A checked secretary added to the session, not yet committed."""
    values = values_for(SecretarySchema(), data)
    _check(values)
    secretary = Secretary(**values)
    db.session.add(secretary)
    return secretary


def create_secretary(data: dict) -> Secretary:
    secretary = new_secretary(data)
    db.session.commit()
    return secretary


def update_secretary(secretary: Secretary, data: dict) -> Secretary:
    values = values_for(SecretarySchema(), data, partial=True)
    _check(values, secretary)
    if "team_lead_id" in values and values["team_lead_id"] != secretary.team_lead_id:
        live.touch(live.SCOPE)
    apply(secretary, values)
    db.session.commit()
    return secretary


def search(query: str | None = None, include_archived: bool = False) -> list[Secretary]:
    return records.search(Secretary, query, include_archived, Secretary.name, Secretary.email)


def add_absence(secretary: Secretary, data: dict) -> Absence:
    """Leave, sick days and the like: routing and matching skip these days.

    The end may not come before the start, and one secretary's absences never overlap:
    a day is either covered by one absence or by none."""
    values = values_for(AbsenceSchema(), data)
    clash = db.session.scalar(
        select(Absence)
        .where(
            Absence.secretary_id == secretary.id,
            Absence.starts_on <= values["ends_on"],
            Absence.ends_on >= values["starts_on"],
        )
        .order_by(Absence.starts_on)
        .limit(1)
    )
    if clash is not None:
        raise Conflict.on(
            "starts_on",
            _(
                "This overlaps the absence from %(start)s to %(end)s.",
                start=format_date(clash.starts_on),
                end=format_date(clash.ends_on),
            ),
        )
    absence = Absence(secretary_id=secretary.id, **values)
    db.session.add(absence)
    db.session.commit()
    return absence


def absence_of(secretary: Secretary, absence_id: int) -> Absence:
    """One of this secretary's absences; any other id is NotFound."""
    absence = db.session.get(Absence, absence_id)
    if absence is None or absence.secretary_id != secretary.id:
        raise NotFound()
    return absence


def remove_absence(absence: Absence) -> Absence:
    db.session.delete(absence)
    db.session.commit()
    return absence


def add_shift_override(secretary: Secretary, data: dict) -> ShiftOverride:
    """One day's own hours (an extra shift, other hours, or none): routing, the dashboard
    and the calls use them instead of the weekly hours, on a holiday too. One per day."""
    values = values_for(ShiftOverrideSchema(), data)
    message = _(
        "%(name)s already has other hours on %(day)s; remove those first.",
        name=secretary.name,
        day=format_date(values["day"]),
    )
    clash = db.session.scalar(
        select(ShiftOverride.id).where(
            ShiftOverride.secretary_id == secretary.id, ShiftOverride.day == values["day"]
        )
    )
    if clash is not None:
        raise Conflict.on("day", message)
    override = ShiftOverride(secretary_id=secretary.id, **values)
    db.session.add(override)
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same day added at the same moment elsewhere
        db.session.rollback()
        raise Conflict.on("day", message) from exc
    return override


def shift_override_of(secretary: Secretary, override_id: int) -> ShiftOverride:
    """One of this secretary's date overrides; any other id is NotFound."""
    override = db.session.get(ShiftOverride, override_id)
    if override is None or override.secretary_id != secretary.id:
        raise NotFound()
    return override


def remove_shift_override(override: ShiftOverride) -> ShiftOverride:
    db.session.delete(override)
    db.session.commit()
    return override


def upcoming_shift_overrides(
    secretary_id: int, today: date, limit: int = 10
) -> list[ShiftOverride]:
    """The secretary's next date overrides from ``today`` on, soonest first."""
    return db.session.scalars(
        select(ShiftOverride)
        .where(ShiftOverride.secretary_id == secretary_id, ShiftOverride.day >= today)
        .order_by(ShiftOverride.day)
        .limit(limit)
    ).all()


def calendars(
    people: Iterable,
    earliest: date,
    latest: date,
    *,
    absences_of: Collection[int] | None = None,
    overrides_of: Collection[int] | None = None,
    holidays: bool = True,
) -> dict[int, WorkingCalendar]:
    """The working calendar of each of ``people`` (with ``id``, ``timezone``, ``schedule``)
    for the days ``earliest`` … ``latest``, in one query. ``absences_of`` and
    ``overrides_of`` narrow whose absences and overrides are read (a roster that knows
    who has any), ``holidays=False`` leaves the agency's holidays out."""
    people = list(people)
    ids = [p.id for p in people]
    parts = _exception_rows(
        [i for i in ids if absences_of is None or i in absences_of],
        [i for i in ids if overrides_of is None or i in overrides_of],
        holidays and bool(ids),
        earliest,
        latest,
    )
    away: dict[int, set[date]] = {}
    overrides: dict[int, dict[date, list]] = {}
    days_off = set()
    rows = db.session.execute(union_all(*parts)).all() if parts else []
    for kind, secretary_id, first, last, spans in rows:
        if kind == "away":
            first, last = max(first, earliest), min(last, latest)
            away.setdefault(secretary_id, set()).update(
                first + timedelta(days=n) for n in range((last - first).days + 1)
            )
        elif kind == "override":
            overrides.setdefault(secretary_id, {})[first] = spans
        else:
            days_off.add(first)
    return {
        p.id: WorkingCalendar(
            zone=p.timezone or "UTC",
            hours=p.schedule or {},
            away=frozenset(away.get(p.id, ())),
            holidays=frozenset(days_off),
            overrides=overrides.get(p.id, {}),
        )
        for p in people
    }


def _exception_rows(absence_ids, override_ids, holidays: bool, earliest: date, latest: date):
    """The selects of (kind, secretary id, first day, last day, spans) that ``calendars``
    reads in one go: absences, date overrides, the agency's own holidays."""
    no_spans = null().cast(JSON)
    parts = []
    if absence_ids:
        parts.append(
            select(
                literal("away"), Absence.secretary_id, Absence.starts_on, Absence.ends_on, no_spans
            ).where(
                Absence.secretary_id.in_(absence_ids),
                Absence.starts_on <= latest,
                Absence.ends_on >= earliest,
            )
        )
    if override_ids:
        parts.append(
            select(
                literal("override"),
                ShiftOverride.secretary_id,
                ShiftOverride.day,
                ShiftOverride.day,
                ShiftOverride.spans,
            ).where(
                ShiftOverride.secretary_id.in_(override_ids),
                ShiftOverride.day.between(earliest, latest),
            )
        )
    if holidays:
        parts.append(
            select(
                literal("holiday"), null().cast(Integer), Holiday.day, Holiday.day, no_spans
            ).where(
                Holiday.agency_id == require_agency_id(),
                Holiday.client_id.is_(None),
                Holiday.day.between(earliest, latest),
            )
        )
    return parts


def work_the_desk(user) -> Secretary:
    """An owner or manager who also answers calls and works items, with the same login:
    her secretary's profile (made once, from her name and address), and the desk among
    her roles. Routing and matching count her like any secretary."""
    if not user.is_manager:
        raise NotAllowed(_("Only owners and managers add the desk to their own login."))
    profile = db.session.scalar(select(Secretary).where(Secretary.user_id == user.id))
    if profile is None:
        profile = Secretary(user_id=user.id, name=user.name, email=user.email)
        db.session.add(profile)
    profile.archived_at = None
    user.works_desk = True
    live.touch(live.SCOPE)
    db.session.commit()
    return profile
