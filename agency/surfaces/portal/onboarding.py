"""The new client's onboarding checklist in the portal, each step read from the records."""

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from agency.domains.billing.models import StripeCustomer
from agency.domains.calendar.models import CalendarFeed
from agency.domains.calls import services as calls
from agency.domains.calls.models import Call, CallRules
from agency.domains.clients.models import Client, Contact
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.models import InboundEmail
from agency.kernel.database import db
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.web.access import full_client_access, roles_required


def checklist(client: Client) -> list[dict]:
    """The steps of getting started, done or not, in the order a new client takes them;
    each links to where the client does it (none where the agency does)."""
    vip_contacts = db.session.scalar(
        select(func.count(Contact.id)).where(
            Contact.client_id == client.id, Contact.vip.is_(True), Contact.archived_at.is_(None)
        )
    )
    rules = db.session.scalar(select(CallRules).where(CallRules.client_id == client.id))
    vips = bool(vip_contacts) or bool(rules and rules.vip_numbers)
    card = db.session.scalar(select(StripeCustomer.id).where(StripeCustomer.client_id == client.id))
    contract = client.active_contract
    account = _account_steps(client, contract, card, vips, rules)
    return [*account[:2], *_forwarding_steps(client), *account[2:], _calendar_step(client)]


def _calendar_step(client: Client) -> dict:
    """Subscribe to the calendar feed: done once a calendar app has fetched it."""
    fetched = db.session.scalar(
        select(CalendarFeed.first_fetched_at).where(CalendarFeed.client_id == client.id)
    )
    return {
        "key": "calendar",
        "done": fetched is not None,
        "label": _("Subscribe to your calendar feed"),
        "url": url_for("portal.calendar"),
    }


def _forwarding_steps(client: Client) -> list[dict]:
    """Forward the phone line to the agency's number and the mail to the client's alias;
    each is done once the first call or message has come through."""
    number = calls.number_of(client.id)
    called = db.session.scalar(select(Call.id).where(Call.client_id == client.id).limit(1))
    mailed = db.session.scalar(
        select(InboundEmail.id).where(InboundEmail.client_id == client.id).limit(1)
    )
    address = mail_settings.alias_address(mail_settings.rules_for(client))
    return [
        {
            "key": "phone",
            "done": called is not None,
            "label": _("Forward your phone line to %(number)s", number=number.number)
            if number
            else _("Your agency is giving you a number to forward your phone line to"),
            "url": url_for("portal_calls.home"),
        },
        {
            "key": "email",
            "done": mailed is not None,
            "label": _("Forward your email to %(address)s", address=address),
            "url": url_for("portal_mail.home"),
        },
    ]


def _account_steps(client: Client, contract, card, vips: bool, rules) -> list[dict]:
    """Steps read from the client's own records; the call rules page is where the client
    sets business hours, VIPs and rules."""
    call_rules = url_for("portal_calls.rules")
    return [
        {
            "key": "plan",
            "done": contract is not None,
            "label": _("Your plan has started: %(plan)s", plan=contract.plan_name)
            if contract
            else _("Choose a plan"),
            "url": url_for("portal.home"),
        },
        {
            "key": "card",
            "done": card is not None,
            "label": _("Card saved for your monthly invoices")
            if card
            else _("Your agency saves the card for your monthly invoices with you"),
            "url": url_for("portal.invoices") if card else None,
        },
        {
            "key": "secretary",
            "done": client.primary_secretary is not None,
            "label": _("A secretary is matched to you (your agency picks from the suggestions)"),
            "url": None,
        },
        {
            "key": "hours",
            "done": any((client.business_hours or {}).values()),
            "label": _("Tell us your business hours"),
            "url": call_rules,
        },
        {
            "key": "vips",
            "done": vips,
            "label": _("List your VIPs: callers who always go straight through"),
            "url": call_rules,
        },
        {
            "key": "rules",
            "done": bool(client.instructions or client.greeting or rules is not None),
            "label": _("Give your greeting and your rules for calls and email"),
            "url": call_rules,
        },
    ]


@bp.get("/onboarding")
@roles_required("client")
@full_client_access
def onboarding():
    client = db.session.get(Client, current_user.client_id) if current_user.client_id else None
    if client is None:
        abort(404)
    steps = checklist(client)
    db.session.commit()  # the client's mail alias, made the first time it is shown
    return render_template(
        "portal/onboarding.html",
        client=client,
        steps=steps,
        done=sum(1 for step in steps if step["done"]),
    )
