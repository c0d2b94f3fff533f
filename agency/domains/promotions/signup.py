"""The signup form for a client's own website, with double opt-in: a person leaves their
name and address on the hosted page (or the snippet embedded in the client's site), gets
an email whose signed link confirms it, and only the confirmation records their consent
(method ``signup_form``, the page it came from and the words they agreed to). Asking
writes nothing but that email; the answer is the same whatever the address, so the form
tells nobody who is on the list."""

from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from agency.domains.clients.models import Client, Contact
from agency.domains.notify.services import queue_email
from agency.domains.promotions import campaigns, consent
from agency.domains.promotions.models import Consent, ConsentMethod, Suppression
from agency.kernel import links, validation
from agency.kernel.database import db
from agency.kernel.errors import BadInput
from agency.kernel.records import values_for

FORM = "signup-form"
CONFIRM = "signup-confirm"
FORM_LIFE = 10 * 365 * 24 * 3600  # the form's address lasts as long as the website
CONFIRM_DAYS = 7


class SignupSchema(Schema):
    name = fields.String(load_default="", validate=validate.Length(max=200))
    email = validation.Checked(validation.email, required=True)
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


def form_token(client: Client) -> str:
    return links.sign(FORM, {"a": client.agency_id, "c": client.id})


def form_url(client: Client) -> str:
    return links.external_url("public.signup_form", token=form_token(client))


def wording(client: Client) -> str:
    return _("Yes, send me news and offers from %(client)s by email. I can unsubscribe at any "
             "time.", client=client.name)  # fmt: skip


def client_of_form(token: str) -> tuple[int, int]:
    """(agency id, client id) of a signup form's address; a clear 400 when tampered."""
    try:
        payload = links.unsign(FORM, token, max_age=FORM_LIFE)
        return int(payload["a"]), int(payload["c"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadInput(_("This signup form's address is not valid.")) from exc


def ask(client: Client, data: dict) -> None:
    """Send the confirmation email (to a valid address not bounced for this client)."""
    values = values_for(SignupSchema(), data)
    name, address = values["name"].strip(), values["email"]
    bounced = db.session.scalar(
        select(Suppression.id).where(
            Suppression.client_id == client.id,
            Suppression.address == address,
            Suppression.reason != "unsubscribed",
        )
    )
    if bounced is not None:
        return
    with force_locale(campaigns.public_language(client)):
        _send(client, name, address, (values["source"] or "")[:300])
    db.session.commit()


def _send(client: Client, name: str, address: str, source: str) -> None:
    said = wording(client)
    token = links.sign(CONFIRM, {"a": client.agency_id, "c": client.id, "e": address,
                                 "n": name, "w": said, "s": source})  # fmt: skip
    link = links.external_url("public.signup_confirm", token=token)
    subject = _("Confirm that %(client)s may email you", client=client.name)
    body = _("Someone, we hope you, asked %(client)s to send news and offers to %(address)s:\n\n"
             "“%(wording)s”\n\nTo confirm, open this link within %(days)s days:\n%(link)s\n\n"
             "If it was not you, do nothing: nothing will be sent.",
             client=client.name, address=address, wording=said, days=CONFIRM_DAYS,
             link=link)  # fmt: skip
    queue_email(address, subject, body, "signup_confirm",
                {"From-Name": client.name})  # fmt: skip


def confirmation_of(token: str) -> dict:
    try:
        payload = links.unsign(CONFIRM, token, max_age=CONFIRM_DAYS * 24 * 3600)
        return {"agency_id": int(payload["a"]), "client_id": int(payload["c"]),
                "email": str(payload["e"]), "name": str(payload["n"]),
                "wording": str(payload["w"]), "source": str(payload["s"]) or None}  # fmt: skip
    except SignatureExpired as exc:
        raise BadInput(_("This link has expired: sign up again on the form.")) from exc
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadInput(_("This confirmation link is not valid.")) from exc


def confirm(found: dict) -> Contact:
    """The confirmed person is a contact of the client with consent on record (made once
    however often the link is used)."""
    contact = db.session.scalar(
        select(Contact)
        .where(
            Contact.client_id == found["client_id"], func.lower(Contact.email) == found["email"]
        )  # fmt: skip
        .order_by(Contact.id)
        .limit(1)
    )
    if contact is None:
        contact = Contact(client_id=found["client_id"], kind="customer",
                          name=found["name"] or found["email"], email=found["email"])  # fmt: skip
        db.session.add(contact)
        db.session.flush()
    latest = db.session.scalar(
        select(Consent).where(Consent.contact_id == contact.id).order_by(Consent.id.desc())
    )
    if latest is None or not latest.given:
        given = {"given": True, "method": ConsentMethod.signup_form.value,
                 "source": found["source"], "wording": found["wording"]}  # fmt: skip
        consent.record(contact, given)
    db.session.commit()
    return contact
