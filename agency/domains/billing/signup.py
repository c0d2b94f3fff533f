"""A client signs itself up on the agency's page: a login, a contract from a plan, the
agency's terms accepted, a card.

The card is collected by Stripe Elements against a SetupIntent; our server only ever sees
the SetupIntent's id, and reads its payment method from Stripe. The SetupIntent is made
when the visitor sends the form (not when the page is shown), once per browser session,
with an idempotency key; a SetupIntent signs up one client only.
"""

import re
import secrets

import stripe
from flask import session, url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agency.domains.accounts.models import Role, User
from agency.domains.accounts.passwords import hash_password
from agency.domains.accounts.services import active_managers
from agency.domains.billing import periods
from agency.domains.billing.models import StripeCustomer
from agency.domains.billing.stripe_account import account, client_for
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract, ContractStatus, Plan
from agency.domains.notify.language import queue_email_to
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, StripeUnavailable, ValidationError
from tenants import Agency, current_agency_id

SETUP_INTENT = re.compile(r"seti_[A-Za-z0-9]{1,100}", re.ASCII)
TERMS = (
    "included_minutes",
    "hourly_rate_minor",
    "overage_rate_minor",
    "currency",
    "rounding_minutes",
    "minimum_minutes",
    "approval_required",
    "rollover_periods",
    "overage_needs_approval",
    "itemise_time",
)


class ClientSignupSchema(Schema):
    business_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = validation.Checked(validation.email, required=True)
    phone = validation.Checked(validation.phone, allow_none=True, load_default=None)
    languages = fields.List(validation.Checked(validation.language_code), load_default=list)
    password = validation.Checked(validation.password, required=True, load_only=True)
    plan_id = validation.Id(required=True)
    accept_terms = fields.Boolean(load_default=False)
    terms_version = fields.Integer(load_default=None, allow_none=True)
    setup_intent = fields.String(load_default="", validate=validate.Length(max=200))


def open_plans() -> list[Plan]:
    return db.session.scalars(
        select(Plan).where(Plan.archived_at.is_(None)).order_by(Plan.name)
    ).all()


# The browser session's SetupIntent of this agency's signup: {"agency", "id", "secret"}.
SESSION_KEY = "signup_card"
STILL_OPEN = {"requires_payment_method", "requires_confirmation", "requires_action"}


def closed_because() -> list[str]:
    """Why the agency's signup cannot sign anyone up yet, for its managers (empty: it
    is open): no plan to choose, no terms to accept, or a payment account half set up
    (a Stripe secret key without its publishable key, so no card could be entered)."""
    reasons = []
    if not open_plans():
        reasons.append("no_plan")
    if terms() is None:
        reasons.append("no_terms")
    settings = account()
    if settings and settings.stripe_enabled and not settings.stripe_publishable_key:
        reasons.append("payment_account_incomplete")
    return reasons


def is_open() -> bool:
    return not closed_because()


def needs_card() -> bool:
    """With the agency's Stripe account set up, a new client saves a card for the monthly
    invoices; without it, signup completes with no card (the agency invoices by email)."""
    settings = account()
    return bool(settings and settings.stripe_enabled and settings.stripe_publishable_key)


def terms():
    """The agency's current terms: their text, version and date (None before any)."""
    settings = account()
    if settings is None or not (settings.terms_text or "").strip():
        return None
    return settings


def start_card_setup() -> dict:
    """The SetupIntent to save the visitor's card with: the session's own while it can
    still be confirmed, else a new one (idempotency key from the session); its client
    secret."""
    if not is_open() or not needs_card():
        raise Conflict(_("Online signup takes no card at this agency."))
    settings = account()
    api = client_for(settings.stripe_secret_key)
    agency_id = current_agency_id()
    kept = session.get(SESSION_KEY) or {}
    if kept.get("agency") != agency_id:
        kept = {"agency": agency_id, "nonce": secrets.token_hex(16), "made": 0}
    elif _still_open(api, kept.get("id")):
        return {"client_secret": kept["secret"]}
    # Two clicks of one session ask with the same key, and Stripe makes one SetupIntent.
    key = f"secretariat-signup-card-{agency_id}-{kept['nonce']}-{kept['made']}"
    try:
        intent = api.v1.setup_intents.create(
            {"usage": "off_session", "metadata": {"secretariat_agency_id": str(agency_id)}},
            {"idempotency_key": key},
        )
    except stripe.StripeError as exc:
        raise StripeUnavailable() from exc
    session[SESSION_KEY] = {
        **kept,
        "id": intent.id,
        "secret": intent.client_secret,
        "made": kept["made"] + 1,
    }
    return {"client_secret": intent.client_secret}


def _still_open(api, setup_intent_id: str | None) -> bool:
    if not setup_intent_id:
        return False
    try:
        return api.v1.setup_intents.retrieve(setup_intent_id).status in STILL_OPEN
    except stripe.InvalidRequestError:  # gone, or of keys the agency has since changed
        return False
    except stripe.StripeError as exc:
        raise StripeUnavailable() from exc


def _confirmed_payment_method(api, setup_intent_id: str) -> str:
    intent = api.v1.setup_intents.retrieve(setup_intent_id)
    if (
        intent.status != "succeeded"
        or not intent.payment_method
        or (intent.metadata or {}).to_dict().get("secretariat_agency_id")
        != str(current_agency_id())
    ):
        raise ValidationError.on("setup_intent", _("Your card is not saved yet."))
    method = intent.payment_method
    return method if isinstance(method, str) else method.id


def signup_client(data: dict) -> User:
    """Client, login, active contract from the plan and the Stripe customer with the saved
    card, in one transaction; the managers are told."""
    if not isinstance(data.get("plan_id"), int) or isinstance(data.get("plan_id"), bool):
        raise ValidationError.on("plan_id", _("Choose one of the plans."))
    values = validation.load(ClientSignupSchema(), data)
    if not values["accept_terms"]:
        raise ValidationError.on("accept_terms", _("Accept the terms to sign up."))
    card = needs_card()
    if card and not SETUP_INTENT.fullmatch(values["setup_intent"]):
        raise ValidationError.on("setup_intent", _("Save your card first."))
    if card and db.session.scalar(
        select(StripeCustomer.id).where(StripeCustomer.setup_intent_id == values["setup_intent"])
    ):
        raise Conflict.on(
            "setup_intent", _("That card was already used to sign up: enter the card again.")
        )
    plan = db.session.get(Plan, values["plan_id"])
    if plan is None or plan.archived_at is not None:
        raise ValidationError.on("plan_id", _("Choose one of the plans."))
    email = values["email"]
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict.on("email", _("That email already has a login here: sign in instead."))
    if not is_open():
        raise ValidationError(_("Online signup is not open at this agency yet."))
    accepted = terms()
    if values["terms_version"] != accepted.terms_version:
        raise Conflict.on(
            "accept_terms",
            _("The terms changed while you were signing up: read them again and accept them."),
        )
    if card:
        api = client_for(account().stripe_secret_key)
        try:
            payment_method = _confirmed_payment_method(api, values["setup_intent"])
        except stripe.InvalidRequestError as exc:
            raise ValidationError.on("setup_intent", _("Your card is not saved yet.")) from exc
        except stripe.StripeError as exc:
            raise StripeUnavailable() from exc

    agency = db.session.get(Agency, current_agency_id())
    client = Client(
        name=values["business_name"].strip(),
        email=email,
        phone=values["phone"],
        timezone=agency.timezone,
        languages=values["languages"],
    )
    db.session.add(client)
    db.session.flush()
    today = periods.local_today(clock.now(), agency.timezone)
    db.session.add(
        Contract(
            client_id=client.id,
            plan_id=plan.id,
            plan_name=plan.name,
            starts_on=today,
            billing_day=min(today.day, 28),
            status=ContractStatus.active.value,
            terms_version=accepted.terms_version,
            terms_accepted_at=clock.now(),
            **{term: getattr(plan, term) for term in TERMS},
        )
    )
    user = User(
        email=email,
        name=values["name"].strip(),
        role=Role.client,
        client_id=client.id,
        password_hash=hash_password(values["password"]),
        locale=agency.locale,
    )
    db.session.add(user)
    if card:
        customer = _customer_with_card(api, client, email, payment_method, values["setup_intent"])
        db.session.add(
            StripeCustomer(
                client_id=client.id,
                stripe_customer_id=customer.id,
                setup_intent_id=values["setup_intent"],
            )
        )
    _tell_managers(client, plan, card)
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same card, signing up twice at once
        db.session.rollback()
        raise Conflict.on(
            "setup_intent", _("That card was already used to sign up: enter the card again.")
        ) from exc
    session.pop(SESSION_KEY, None)
    return user


def _customer_with_card(api, client: Client, email: str, payment_method: str, setup_intent):
    """The client's Stripe customer with the saved card as its default; a card Stripe
    will not attach again (another signup has it) is a 409, Stripe away a 503."""
    try:
        return api.v1.customers.create(
            {
                "name": client.name,
                "email": email,
                "payment_method": payment_method,
                "invoice_settings": {"default_payment_method": payment_method},
                "metadata": {"secretariat_client_id": str(client.id)},
            },
            {"idempotency_key": f"secretariat-signup-{setup_intent}"},
        )
    except (stripe.IdempotencyError, stripe.InvalidRequestError, stripe.CardError) as exc:
        raise Conflict.on(
            "setup_intent", _("That card was already used to sign up: enter the card again.")
        ) from exc
    except stripe.StripeError as exc:
        raise StripeUnavailable() from exc


def _tell_managers(client: Client, plan: Plan, card: bool) -> None:
    managers = [manager.email for manager in active_managers()]
    matches = url_for("console.client_matches", client_id=client.id, _external=True)
    for address in managers:
        queue_email_to(
            address,
            lambda: (
                _(
                    "New client: %(client)s signed up for %(plan)s",
                    client=client.name,
                    plan=plan.name,
                ),
                _(
                    "%(client)s signed up online for %(plan)s and saved a card. Their "
                    "secretary suggestions are ready: %(url)s",
                    client=client.name,
                    plan=plan.name,
                    url=matches,
                )
                if card
                else _(
                    "%(client)s signed up online for %(plan)s, without a card (no payment "
                    "account is set up). Their secretary suggestions are ready: %(url)s",
                    client=client.name,
                    plan=plan.name,
                    url=matches,
                ),
            ),
            purpose="client_signup",
        )
