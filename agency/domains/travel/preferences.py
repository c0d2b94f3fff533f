"""The travel part of a client's instruction sheet: seat, cabin, airlines and hotel
chains preferred, and the loyalty numbers and passport kept encrypted. Those two are
never in a page or an answer unless asked for: only the client's assigned secretaries
(primary and backup) and the managers may read them, with a reason, and every reading
is audited (who, when, which, why, from where) for the client and the managers to see.
The client writes them (and may replace them) but does not read them back here."""

import json
import re

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.clients.access import may_read_secrets
from agency.domains.clients.models import Client
from agency.domains.travel.models import TravelPreferences, TravelReveal
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import NotAllowed, ValidationError
from agency.kernel.records import values_for

SEATS = ("window", "aisle", "any")
CABINS = ("economy", "premium_economy", "business", "first")
SECRETS = ("passport", "loyalty")
# When travel reminders go, until the client says otherwise (0: never).
REMINDER_DEFAULTS = {"checkin_hours": 24, "leave_minutes": 180, "hotel_hours": 3}
DOCUMENT_NUMBER = re.compile(r"^[A-Z0-9]{5,20}$")


def _names():
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=100)),
        validate=validate.Length(max=20),
    )


class LoyaltySchema(Schema):
    programme = fields.String(required=True, validate=validate.Length(min=1, max=100))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))


class PassportSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    number = fields.String(required=True, validate=validate.Length(min=5, max=20))
    nationality = fields.String(required=True, validate=validate.Length(min=2, max=60))
    expires_on = fields.Date(required=True)


class PreferencesSchema(Schema):
    seat = fields.String(allow_none=True, validate=validate.OneOf(SEATS))
    cabin = fields.String(allow_none=True, validate=validate.OneOf(CABINS))
    airlines = _names()
    hotel_chains = _names()
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    checkin_hours = fields.Integer(validate=validate.Range(0, 72))
    leave_minutes = fields.Integer(validate=validate.Range(0, 12 * 60))
    hotel_hours = fields.Integer(validate=validate.Range(0, 48))
    # Given to replace what is kept (null clears it); never shown back.
    loyalty = fields.List(
        fields.Nested(LoyaltySchema), allow_none=True, load_only=True,
        validate=validate.Length(max=20),
    )  # fmt: skip
    passport = fields.Nested(PassportSchema, allow_none=True, load_only=True)


class TravelRevealRequestSchema(Schema):
    what = fields.String(required=True, validate=validate.OneOf(SECRETS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


def preferences_of(client: Client) -> TravelPreferences | None:
    return db.session.scalar(
        select(TravelPreferences).where(TravelPreferences.client_id == client.id)
    )


def view(client: Client) -> dict:
    """The preferences, with only whether each secret is kept."""
    found = preferences_of(client)
    return {
        "seat": found.seat if found else None,
        "cabin": found.cabin if found else None,
        "airlines": found.airlines if found else [],
        "hotel_chains": found.hotel_chains if found else [],
        "notes": found.notes if found else None,
        **{
            name: getattr(found, name) if found else default
            for name, default in REMINDER_DEFAULTS.items()
        },
        "has_passport": bool(found and found.passport),
        "loyalty_programmes": len(json.loads(found.loyalty)) if found and found.loyalty else 0,
        "updated_at": found.updated_at if found else None,
    }


def save(client: Client, data: dict) -> TravelPreferences:
    """Change what is given; a secret given replaces the one kept (null clears it)."""
    values = values_for(PreferencesSchema(), data)
    passport = values.get("passport")
    if passport:
        number = passport["number"].replace(" ", "").upper()
        if not DOCUMENT_NUMBER.match(number):
            raise ValidationError.on(
                "passport", _("A passport number is 5 to 20 letters and digits.")
            )
        if passport["expires_on"] <= clock.now().date():
            raise ValidationError.on("passport", _("This passport has expired."))
        values["passport"] = {
            **passport,
            "number": number,
            "expires_on": passport["expires_on"].isoformat(),
        }
    found = preferences_of(client)
    if found is None:
        found = TravelPreferences(
            client_id=client.id, airlines=[], hotel_chains=[], **REMINDER_DEFAULTS
        )
        db.session.add(found)
    for name in ("seat", "cabin", "notes"):
        if name in values:
            setattr(found, name, (values[name] or "").strip() or None)
    for name in REMINDER_DEFAULTS:
        if name in values:
            setattr(found, name, values[name])
    for name in ("airlines", "hotel_chains"):
        if name in values:
            setattr(found, name, [v.strip() for v in values[name] if v.strip()])
    if "loyalty" in values:
        found.loyalty = json.dumps(values["loyalty"]) if values["loyalty"] else None
    if "passport" in values:
        found.passport = json.dumps(values["passport"]) if values["passport"] else None
    found.updated_at = clock.now()
    db.session.commit()
    return found


def may_reveal(user: User, client: Client) -> bool:
    return may_read_secrets(user, client)


def reveal(client: Client, data: dict, user: User, address: str | None):
    """The secret asked for (``what``: passport or loyalty) for the ``reason`` given,
    audited; refused (403) to anyone else, and nothing is written then."""
    values = values_for(TravelRevealRequestSchema(), data)
    reason = values["reason"].strip()
    if not reason:
        raise ValidationError.on("reason", _("Say why you need to see it."))
    if not may_reveal(user, client):
        raise NotAllowed(_("Only the client's own secretaries and the managers may see this."))
    found = preferences_of(client)
    kept = getattr(found, values["what"]) if found else None
    db.session.add(
        TravelReveal(
            client_id=client.id, user_id=user.id, what=values["what"], reason=reason[:300],
            address=(address or "")[:64] or None,
        )
    )  # fmt: skip
    db.session.commit()
    return json.loads(kept) if kept else None


def reveals_of(client: Client) -> list[TravelReveal]:
    return db.session.scalars(
        select(TravelReveal)
        .where(TravelReveal.client_id == client.id)
        .order_by(TravelReveal.at.desc(), TravelReveal.id.desc())
        .limit(200)
    ).all()


def reveal_view(reveal: TravelReveal) -> dict:
    return {
        "id": reveal.id,
        "what": reveal.what,
        "reason": reveal.reason,
        "user": reveal.user.name if reveal.user else None,
        "address": reveal.address,
        "at": reveal.at,
    }
