"""Consent to a client's marketing email, as records: given or withdrawn, when, how (a
signup form, an import with its stated source, in person, the office, an unsubscribe
link) and the words shown. The latest record holds. An address the client may no longer
write to (unsubscribed, bounced for good, a complaint) is suppressed for that client."""

from datetime import timedelta

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from agency.domains.calls.models import Call, Message
from agency.domains.clients.models import Contact, ContactNote
from agency.domains.mail.models import InboundEmail
from agency.domains.promotions.models import Consent, ConsentMethod, Suppression
from agency.domains.work.models import WorkItem
from agency.kernel import clock, labels
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError
from agency.kernel.records import values_for

# What the office may record by hand (an unsubscribe comes only from its link).
RECORDED = [ConsentMethod.signup_form, ConsentMethod.import_, ConsentMethod.in_person,
            ConsentMethod.office]  # fmt: skip


class ConsentSchema(Schema):
    given = fields.Boolean(required=True)
    method = fields.String(required=True, validate=validate.OneOf([m.value for m in RECORDED]))
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    wording = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


def _normal(address: str | None) -> str:
    return (address or "").strip().lower()


def record(contact: Contact, data: dict, user=None) -> Consent:
    """A new consent record for the contact; an import must say where consent came from,
    and consent given needs an address to write to."""
    values = values_for(ConsentSchema(), data)
    source = (values["source"] or "").strip() or None
    if values["method"] == ConsentMethod.import_ and not source:
        raise ValidationError.on("source", _("Say where the imported consent comes from."))
    if values["given"] and not contact.email:
        raise ValidationError.on("given", _("The contact has no email address to write to."))
    if values["given"]:
        _refuse_suppressed(contact)
    found = _add(contact, values["given"], values["method"], source, values["wording"], user)
    if values["given"]:
        _lift(contact.client_id, contact.email)
    db.session.commit()
    return found


def _refuse_suppressed(contact: Contact) -> None:
    """Consent cannot make the client write to an address that bounced for good or
    complained: said now, rather than left out of every campaign in silence."""
    found = db.session.scalar(
        select(Suppression).where(
            Suppression.client_id == contact.client_id,
            Suppression.address == _normal(contact.email),
            Suppression.reason != "unsubscribed",
        )
    )
    if found is not None:
        reason = labels.label("suppression_reason", found.reason)
        raise ValidationError.on(
            "given",
            _("Mail to %(address)s is stopped (%(reason)s): the client's campaigns do not go "
              "to it, consent or not.", address=contact.email, reason=reason),
        )  # fmt: skip


def _add(contact, given: bool, method: str, source, wording, user) -> Consent:
    found = Consent(
        client_id=contact.client_id, contact_id=contact.id, given=given, method=method,
        source=source, wording=(wording or "").strip() or None,
        recorded_by_id=user.id if user else None,
    )  # fmt: skip
    db.session.add(found)
    contact.marketing_consent = given
    return found


def imported(contact: Contact, source: str, wording: str | None = None) -> Consent:
    """Consent that comes with an imported contact, with the source the file states; in
    the caller's transaction."""
    if not contact.email:
        raise ValidationError.on("email", _("The contact has no email address to write to."))
    return _add(contact, True, ConsentMethod.import_, source.strip()[:300], wording, None)


def withdraw(contact: Contact, method: str, source: str | None = None) -> None:
    """Consent withdrawn (an unsubscribe); in the caller's transaction."""
    _add(contact, False, method, source, None, None)


def _lift(client_id: int, address: str | None) -> None:
    """Consent given again in words lifts an unsubscribe (never a bounce)."""
    found = db.session.scalar(
        select(Suppression).where(
            Suppression.client_id == client_id,
            Suppression.address == _normal(address),
            Suppression.reason == "unsubscribed",
        )
    )
    if found is not None:
        db.session.delete(found)


def suppress(client_id: int, address: str, reason: str) -> bool:
    """Never write to the address again for this client; whether it is new. In the
    caller's transaction; twice is once."""
    address = _normal(address)
    if not address or is_suppressed(client_id, address):
        return False
    db.session.add(Suppression(client_id=client_id, address=address, reason=reason))
    db.session.flush()
    return True


def is_suppressed(client_id: int, address: str) -> bool:
    return (
        db.session.scalar(
            select(Suppression.id).where(
                Suppression.client_id == client_id, Suppression.address == _normal(address)
            )
        )
        is not None
    )


def latest():
    """A select of each contact's latest consent record (id per contact)."""
    return select(Consent.contact_id, func.max(Consent.id).label("id")).group_by(Consent.contact_id)


def _consenting(client_id: int, kinds, languages):
    """The select of the client's consenting contacts (see ``consenting_contacts``),
    narrowed by what SQL narrows: ``kinds`` and ``languages``."""
    last = latest().subquery()
    statement = (
        select(Contact)
        .join(last, last.c.contact_id == Contact.id)
        .join(Consent, Consent.id == last.c.id)
        .where(
            Contact.client_id == client_id,
            Contact.archived_at.is_(None),
            Contact.email.is_not(None),
            Contact.email != "",
            Consent.given.is_(True),
            ~func.lower(Contact.email).in_(
                select(Suppression.address).where(Suppression.client_id == client_id)
            ),
        )
        .order_by(Contact.id)
    )
    if kinds:
        statement = statement.where(Contact.kind.in_(kinds))
    if languages:
        statement = statement.where(Contact.language.in_(languages))
    return statement


def consenting_contacts(
    client_id: int,
    kinds: list[str] | None = None,
    tags: list[str] | None = None,
    languages: list[str] | None = None,
    contacted_within_days: int | None = None,
    quiet_for_days: int | None = None,
    limit: int | None = None,
) -> list[Contact]:
    """The client's contacts who may be sent a campaign: an address, not archived, whose
    latest consent record gives consent, and not suppressed; narrowed to ``kinds``, to
    those with any of ``tags``, to ``languages``, and by when they were last in touch
    (within so many days, or not for so many days) when given; the first ``limit`` of
    them when given."""
    statement = _consenting(client_id, kinds, languages)
    if limit is not None and not (tags or contacted_within_days or quiet_for_days):
        statement = statement.limit(limit)
    found = db.session.scalars(statement).all()
    if tags:
        wanted = set(tags)
        found = [c for c in found if wanted & set(c.tags or [])]
    if contacted_within_days or quiet_for_days:
        last = last_contact(client_id, found)
        now = clock.now()
        if contacted_within_days:
            since = now - timedelta(days=contacted_within_days)
            found = [c for c in found if last[c.id] is not None and last[c.id] >= since]
        if quiet_for_days:
            before = now - timedelta(days=quiet_for_days)
            found = [c for c in found if last[c.id] is None or last[c.id] < before]
    return found[:limit] if limit is not None else found


# What narrows an audience after its contacts are read (``consenting_contacts``).
NARROWED_IN_PYTHON = ("tags", "contacted_within_days", "quiet_for_days")


def count_consenting(client_id: int, **criteria) -> int:
    """How many ``consenting_contacts(client_id, **criteria)`` there are: counted by the
    database, without loading one, unless what narrows them is read in Python."""
    if any(criteria.get(name) for name in NARROWED_IN_PYTHON):
        return len(consenting_contacts(client_id, **criteria))
    chosen = _consenting(client_id, criteria.get("kinds"), criteria.get("languages"))
    return db.session.scalar(select(func.count()).select_from(chosen.order_by(None).subquery()))


def history(contact: Contact) -> list[Consent]:
    return db.session.scalars(
        select(Consent).where(Consent.contact_id == contact.id).order_by(Consent.id.desc())
    ).all()


def view(found: Consent) -> dict:
    return {
        "id": found.id,
        "given": found.given,
        "method": found.method,
        "source": found.source,
        "wording": found.wording,
        "at": found.at,
    }


def contact_of(client_id: int, contact_id) -> Contact:
    found = db.session.scalar(
        select(Contact).where(Contact.id == contact_id, Contact.client_id == client_id)
    )
    if found is None:
        raise NotFound()
    return found


def suppressions_of(client_id: int) -> list[Suppression]:
    return db.session.scalars(
        select(Suppression).where(Suppression.client_id == client_id).order_by(Suppression.id)
    ).all()


def last_contact(client_id: int, contacts: list[Contact]) -> dict[int, object]:
    """When each contact was last in touch with the client: their latest call, message or
    email in, a note on them or work about them (the contact log's sources); None for one
    never in touch. Four grouped reads, however many contacts."""
    phones = {c.phone: c.id for c in contacts if c.phone}
    addresses = {c.email.lower(): c.id for c in contacts if c.email}
    ids = [c.id for c in contacts]
    found: dict[int, object] = dict.fromkeys(ids)

    def keep(contact_id, moment):
        if moment is not None and (found[contact_id] is None or moment > found[contact_id]):
            found[contact_id] = moment

    for number, moment in db.session.execute(
        select(Call.from_number, func.max(Call.started_at))
        .where(Call.client_id == client_id, Call.from_number.in_(list(phones)))
        .group_by(Call.from_number)
    ):
        keep(phones[number], moment)
    for number, moment in db.session.execute(
        select(Message.number, func.max(Message.created_at))
        .where(Message.client_id == client_id, Message.number.in_(list(phones)))
        .group_by(Message.number)
    ):
        keep(phones[number], moment)
    sender = func.lower(InboundEmail.from_address)
    for address, moment in db.session.execute(
        select(sender, func.max(InboundEmail.received_at))
        .where(InboundEmail.client_id == client_id, sender.in_(list(addresses)))
        .group_by(sender)
    ):
        keep(addresses[address], moment)
    for model, column in ((ContactNote, ContactNote.created_at), (WorkItem, WorkItem.created_at)):
        for contact_id, moment in db.session.execute(
            select(model.contact_id, func.max(column))
            .where(model.contact_id.in_(ids))
            .group_by(model.contact_id)
        ):
            keep(contact_id, moment)
    return found
