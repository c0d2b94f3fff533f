"""A client signs itself up on the agency's page: a login, a contract from a plan, a card.

The card is collected by Stripe Elements against a SetupIntent made for the page; our
server only ever sees the SetupIntent's id, and reads its payment method from Stripe.
"""

import re

from flask import url_for
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency import clock, validation
from agency.accounts.models import Role, User
from agency.accounts.passwords import hash_password
from agency.billing import periods
from agency.billing.models import StripeCustomer
from agency.billing.stripe_account import account, client_for
from agency.clients.models import Client
from agency.contracts.models import Contract, ContractStatus, Plan
from agency.errors import Conflict, ValidationError
from agency.extensions import db
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
    setup_intent = fields.String(load_default="", validate=validate.Length(max=200))


def open_plans() -> list[Plan]:
    return db.session.scalars(
        select(Plan).where(Plan.archived_at.is_(None)).order_by(Plan.name)
    ).all()


def is_open() -> bool:
    """Signup needs the agency's Stripe keys: the card is saved with its account."""
    settings = account()
    return bool(settings and settings.stripe_enabled and settings.stripe_publishable_key)


def start_card_setup() -> dict:
    """A SetupIntent for the signup page: its client secret and the publishable key."""
    settings = account()
    intent = client_for(settings.stripe_secret_key).v1.setup_intents.create(
        {"usage": "off_session", "metadata": {"secretariat_agency_id": str(current_agency_id())}}
    )
    return {
        "client_secret": intent.client_secret,
        "publishable_key": settings.stripe_publishable_key,
    }


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
    import stripe

    if not isinstance(data.get("plan_id"), int) or isinstance(data.get("plan_id"), bool):
        raise ValidationError.on("plan_id", _("Choose one of the plans."))
    values = validation.load(ClientSignupSchema(), data)
    if not values["accept_terms"]:
        raise ValidationError.on("accept_terms", _("Accept the terms to sign up."))
    if not SETUP_INTENT.fullmatch(values["setup_intent"]):
        raise ValidationError.on("setup_intent", _("Save your card first."))
    plan = db.session.get(Plan, values["plan_id"])
    if plan is None or plan.archived_at is not None:
        raise ValidationError.on("plan_id", _("Choose one of the plans."))
    email = values["email"]
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict.on("email", _("That email already has a login here: sign in instead."))
    if not is_open():
        raise ValidationError(_("Online signup is not open at this agency yet."))
    api = client_for(account().stripe_secret_key)
    try:
        payment_method = _confirmed_payment_method(api, values["setup_intent"])
    except stripe.InvalidRequestError as exc:
        raise ValidationError.on("setup_intent", _("Your card is not saved yet.")) from exc

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
    customer = api.v1.customers.create(
        {
            "name": client.name,
            "email": email,
            "payment_method": payment_method,
            "invoice_settings": {"default_payment_method": payment_method},
            "metadata": {"secretariat_client_id": str(client.id)},
        },
        {"idempotency_key": f"secretariat-signup-{values['setup_intent']}"},
    )
    db.session.add(StripeCustomer(client_id=client.id, stripe_customer_id=customer.id))
    _tell_managers(client, plan)
    db.session.commit()
    return user


def _tell_managers(client: Client, plan: Plan) -> None:
    from agency.accounts.services import active_managers
    from agency.notify.services import queue_email

    managers = [manager.email for manager in active_managers()]
    matches = url_for("console.client_matches", client_id=client.id, _external=True)
    for address in managers:
        queue_email(
            address,
            _("New client: %(client)s signed up for %(plan)s", client=client.name, plan=plan.name),
            _(
                "%(client)s signed up online for %(plan)s and saved a card. Their secretary "
                "suggestions are ready: %(url)s",
                client=client.name,
                plan=plan.name,
                url=matches,
            ),
            purpose="client_signup",
        )
