"""Secretary profiles: create, update, archive, with their rules."""

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select

from agency import records
from agency.errors import Conflict, NotFound, ValidationError
from agency.extensions import db
from agency.records import apply, values_for
from agency.staff.models import Absence, Secretary
from agency.staff.schemas import AbsenceSchema, SecretarySchema


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
