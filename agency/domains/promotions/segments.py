"""A client's saved lists: a name for an audience of their consenting contacts (by kind,
tags, language, last contact), chosen for a campaign instead of writing the audience out
again. A list holds no one itself: its members are whoever fits it when it is used."""

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from agency.domains.clients.models import Client, ContactKind
from agency.domains.clients.schemas import normal_tags
from agency.domains.promotions import consent
from agency.domains.promotions.models import Segment
from agency.kernel import validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.records import values_for

LISTED = ("kinds", "tags", "languages")
AUDIENCE = (*LISTED, "contacted_within_days", "quiet_for_days")


class AudienceSchema(Schema):
    kinds = fields.List(
        fields.String(validate=validate.OneOf([k.value for k in ContactKind])), load_default=list
    )
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=40)), load_default=list)
    languages = fields.List(validation.Checked(validation.language_code), load_default=list)
    contacted_within_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, 3650),
        metadata={"description": "Only those in touch with the client within so many days"},
    )
    quiet_for_days = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(1, 3650),
        metadata={"description": "Only those not in touch for so many days (win them back)"},
    )


class SavedListSchema(AudienceSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


def audience_of(values: dict) -> dict:
    """The audience part of loaded values, in one order and form."""
    return {"kinds": sorted(set(values["kinds"])), "tags": normal_tags(values["tags"]),
            "languages": sorted(set(values["languages"])),
            "contacted_within_days": values["contacted_within_days"],
            "quiet_for_days": values["quiet_for_days"]}  # fmt: skip


def _name(client: Client, name: str, segment_id: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError.on("name", _("Give the list a name."))
    taken = select(Segment.id).where(
        Segment.client_id == client.id, func.lower(Segment.name) == name.lower()
    )
    if segment_id is not None:
        taken = taken.where(Segment.id != segment_id)
    if db.session.scalar(taken) is not None:
        raise Conflict(_("The client already has a list called %(name)s.", name=name))
    return name


def create(client: Client, data: dict) -> Segment:
    values = values_for(SavedListSchema(), data)
    segment = Segment(client_id=client.id, name=_name(client, values["name"]),
                      criteria=audience_of(values))  # fmt: skip
    db.session.add(segment)
    db.session.commit()
    return segment


def update(segment: Segment, data: dict) -> Segment:
    values = values_for(SavedListSchema(), data)
    segment.name = _name(db.session.get(Client, segment.client_id), values["name"], segment.id)
    segment.criteria = audience_of(values)
    db.session.commit()
    return segment


def delete(segment: Segment) -> None:
    """Campaigns that used it keep their audience."""
    db.session.delete(segment)
    db.session.commit()


def segments_of(client: Client) -> list[Segment]:
    return db.session.scalars(
        select(Segment).where(Segment.client_id == client.id).order_by(func.lower(Segment.name))
    ).all()


def segment_of(client_id: int, segment_id) -> Segment:
    found = db.session.get(Segment, segment_id) if isinstance(segment_id, int) else None
    if found is None or found.client_id != client_id:
        raise NotFound()
    return found


def criteria_of(segment: Segment) -> dict:
    return {name: segment.criteria.get(name) or ([] if name in LISTED else None)
            for name in AUDIENCE}  # fmt: skip


def view(segment: Segment) -> dict:
    criteria = criteria_of(segment)
    members = consent.count_consenting(segment.client_id, **criteria)
    return {"id": segment.id, "client_id": segment.client_id, "name": segment.name,
            **criteria, "count": members}  # fmt: skip
