"""The agency's billing settings, and the billing work the minute tick runs per agency."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.billing import alerts, invoicing, seats
from agency.domains.billing.models import BillingAccount
from agency.domains.billing.schemas import BillingAccountSchema
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from tenants import Agency, AgencyStatus, require_agency_id, use_agency

# The tick runs each agency's billing work every this many minutes.
EVERY_MINUTES = 15


def billing_account() -> BillingAccount:
    found = db.session.scalar(select(BillingAccount))
    return found or BillingAccount(tax_basis_points=0, terms_version=0)


def save_account(data: dict) -> BillingAccount:
    """Tax rate, Stripe keys (a blank key field keeps the stored key) and the terms of
    signup (a changed text is a new version)."""
    data = validation.load(BillingAccountSchema(), data)
    secret = (data["stripe_secret_key"] or "").strip()
    if secret and not secret.startswith(("sk_", "rk_")):
        raise ValidationError.on(
            "stripe_secret_key", _("A Stripe secret key starts with sk_ or rk_.")
        )
    hook_secret = (data["stripe_webhook_secret"] or "").strip()
    if hook_secret and not hook_secret.startswith("whsec_"):
        raise ValidationError.on(
            "stripe_webhook_secret", _("A Stripe webhook secret starts with whsec_.")
        )
    publishable = (data["stripe_publishable_key"] or "").strip()
    if publishable and not publishable.startswith("pk_"):
        raise ValidationError.on(
            "stripe_publishable_key", _("A Stripe publishable key starts with pk_.")
        )
    account = billing_account()
    if publishable:
        account.stripe_publishable_key = publishable
    account.tax_basis_points = data["tax_basis_points"]
    if secret:
        account.stripe_secret_key = secret
    if hook_secret:
        account.stripe_webhook_secret = hook_secret
    account.payment_terms_days = data["payment_terms_days"]
    agency = db.session.get(Agency, require_agency_id())
    agency.address = (data["agency_address"] or "").strip() or None
    terms = (data["terms_text"] or "").strip() or None
    if terms != account.terms_text:
        account.terms_text = terms
        account.terms_version = (account.terms_version or 0) + 1
        account.terms_updated_at = clock.now()
    account.updated_at = clock.now()
    db.session.add(account)
    db.session.commit()
    return account


def is_due(now: datetime) -> bool:
    return now.minute % EVERY_MINUTES == 0


def run_for_agency(agency_id: int, now: datetime | None = None) -> dict[str, int]:
    """Hours alerts and the invoice run of every ended period, as that tenant."""
    now = now or clock.now()
    with use_agency(agency_id):
        agency = db.session.get(Agency, agency_id)
        if agency is None or agency.status != AgencyStatus.active:
            return {"alerts": 0, "invoices": 0}
        sent = alerts.send_due(now)
        created = invoicing.run(now=now, scheduled=True)
        seats.sync_seats()
        return {"alerts": sent, "invoices": len(created)}
