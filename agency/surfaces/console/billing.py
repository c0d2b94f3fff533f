"""Console pages for billing: settings, hours per client and secretary, the ledger of a
client, invoices (run, review, issue, PDF)."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import (
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import request as current_request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired

from agency.domains.billing import entries as time_entries
from agency.domains.billing import (
    invoicing,
    ledger,
    overage,
    pdf,
    reviews,
    seats,
    services,
    stripe_account,
)
from agency.domains.billing.models import Invoice
from agency.domains.clients.models import Client
from agency.domains.hours.models import TimeEntry
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.pages import form_page, saved
from agency.surfaces.web.access import managers_only, roles_required
from agency.surfaces.web.forms import ConfirmForm, show_errors
from tenants import use_agency


class BillingSettingsForm(FlaskForm):
    tax_percent = StringField(_l("Tax rate (%)"), validators=[InputRequired()])
    stripe_publishable_key = StringField(_l("Stripe publishable key (for the signup page)"))
    stripe_secret_key = PasswordField(_l("Stripe secret key (blank keeps the saved one)"))
    stripe_webhook_secret = PasswordField(_l("Stripe webhook secret (blank keeps the saved one)"))
    terms_text = TextAreaField(_l("Terms new clients accept at signup"))
    payment_terms_days = StringField(_l("Days a client has to pay an invoice"), default="14")
    agency_address = TextAreaField(_l("The agency's postal address, as invoices show it"))


class ManualEntryForm(FlaskForm):
    started_at = StringField(_l("Started (YYYY-MM-DD HH:MM, agency time)"), [InputRequired()])
    minutes = StringField(_l("Minutes"), validators=[InputRequired()])
    billable = BooleanField(_l("Billable"), default=True)
    reason = StringField(_l("Reason"), validators=[InputRequired()])


class EditEntryForm(FlaskForm):
    minutes = StringField(_l("Minutes"), validators=[InputRequired()])
    billable = BooleanField(_l("Billable"))
    reason = StringField(_l("Reason"), validators=[InputRequired()])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[InputRequired()])


class RunForm(FlaskForm):
    on = StringField(_l("Invoice periods ended by (YYYY-MM-DD, blank for today)"))


def _basis_points(text: str):
    """'23' or '23.5' percent as basis points; anything else goes on to be refused."""
    try:
        value = Decimal((text or "").strip().replace(",", ".")) * 100
    except InvalidOperation:
        return text
    return int(value) if value == value.to_integral_value() else text


def _whole(text: str):
    text = (text or "").strip()
    return int(text) if text.isdigit() else text


@bp.route("/billing", methods=["GET", "POST"])
@managers_only
def billing_settings():
    account = services.billing_account()
    form = BillingSettingsForm()
    if request.method == "GET":
        form.tax_percent.data = str(Decimal(account.tax_basis_points) / 100)
        form.stripe_publishable_key.data = account.stripe_publishable_key
        form.terms_text.data = account.terms_text
        form.payment_terms_days.data = str(account.payment_terms_days or 0)
        form.agency_address.data = current_user.agency.address
    return form_page(
        form,
        "console/billing_settings.html",
        lambda f: {
            "tax_basis_points": _basis_points(f.tax_percent.data),
            "stripe_publishable_key": f.stripe_publishable_key.data or None,
            "stripe_secret_key": f.stripe_secret_key.data or None,
            "stripe_webhook_secret": f.stripe_webhook_secret.data or None,
            "terms_text": f.terms_text.data or None,
            "payment_terms_days": _whole(f.payment_terms_days.data),
            "agency_address": f.agency_address.data or None,
        },
        services.save_account,
        lambda _a: saved(_("Billing settings saved."), url_for("console.billing_settings")),
        account=account,
        hook_url=url_for(
            "stripe_hooks.agency_event", agency_slug=current_user.agency.slug, _external=True
        ),
    )


@bp.get("/hours")
@managers_only
def hours():
    return render_template(
        "console/hours.html",
        clients=ledger.hours_by_client(),
        secretaries=ledger.hours_by_secretary(),
    )


def _local_datetime(text: str):
    try:
        moment = datetime.strptime((text or "").strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        return text
    return moment.replace(tzinfo=ZoneInfo(current_user.agency.timezone)).isoformat()


@bp.route("/hours/<int:client_id>", methods=["GET", "POST"])
@managers_only
def client_ledger(client_id):
    client = db.get_or_404(Client, client_id)
    done = url_for("console.client_ledger", client_id=client.id)
    return form_page(
        ManualEntryForm(),
        "console/client_ledger.html",
        lambda f: {
            "client_id": client.id,
            "started_at": _local_datetime(f.started_at.data),
            "minutes": _whole(f.minutes.data),
            "billable": f.billable.data,
            "reason": f.reason.data,
        },
        lambda data: time_entries.add_manual_entry(data, current_user.id),
        lambda _e: saved(_("Time entry added."), done),
        client=client,
        summary=ledger.hours(client),
        approvals=overage.approvals(client.id),
        entries=time_entries.entries(client.id, limit=200),
        history=reviews.history(client_id=client.id),
        edit_form=EditEntryForm(formdata=None),
    )


@bp.post("/time-entries/<int:entry_id>")
@managers_only
def edit_time_entry(entry_id):
    entry = db.get_or_404(TimeEntry, entry_id)
    form = EditEntryForm()
    done = redirect(url_for("console.client_ledger", client_id=entry.client_id))
    if not form.validate_on_submit():
        flash(_("Give the minutes and a reason."), "error")
        return done
    try:
        time_entries.edit_entry(
            entry,
            {
                "minutes": _whole(form.minutes.data),
                "billable": form.billable.data,
                "reason": form.reason.data,
            },
            current_user.id,
        )
    except ValidationError as exc:
        db.session.rollback()
        flash(" ".join([exc.message, *sum(exc.fields.values(), [])]), "error")
        return done
    flash(_("Time entry changed."), "success")
    return done


@bp.route("/invoices", methods=["GET", "POST"])
@managers_only
def invoices():
    form = RunForm()
    status = 200
    if form.validate_on_submit():
        text = (form.on.data or "").strip()
        try:
            on = date.fromisoformat(text) if text else None
        except ValueError:
            show_errors(form, {"on": [_("Give a date as YYYY-MM-DD.")]})
            status = 422
        else:
            try:
                made = invoicing.run_by_hand(on=on)
            except ValidationError as exc:
                show_errors(form, exc.fields)
                status = 422
            else:
                flash(_("%(count)s draft invoices made.", count=len(made)), "success")
                return redirect(url_for("console.invoices"))
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "console/invoices.html",
            form=form,
            invoices=reviews.invoices(request.args.get("client_id", type=int)),
        ),
        status,
    )


@bp.get("/invoices/<int:invoice_id>")
@managers_only
def invoice(invoice_id):
    found = db.get_or_404(Invoice, invoice_id)
    return render_template(
        "console/invoice.html",
        invoice=found,
        entries=reviews.entries_of(found),
        history=reviews.history(invoice_id=found.id),
        confirm_form=ConfirmForm(),
        reason_form=ReasonForm(formdata=None),
    )


@bp.post("/invoices/<int:invoice_id>/issue")
@managers_only
def issue_invoice(invoice_id):
    found = db.get_or_404(Invoice, invoice_id)
    if ConfirmForm().validate_on_submit():
        try:
            reviews.issue(found, current_user.id)
            flash(_("Invoice issued."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("console.invoice", invoice_id=invoice_id))


@bp.post("/invoices/<int:invoice_id>/push")
@managers_only
def push_invoice(invoice_id):
    """Send an issued invoice to Stripe again, after its push failed."""
    found = db.get_or_404(Invoice, invoice_id)
    if ConfirmForm().validate_on_submit():
        try:
            reviews.push_again(found)
            flash(_("The invoice is being sent to Stripe again."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("console.invoice", invoice_id=invoice_id))


def _correct(invoice_id: int, change, done_message: str, done_url):
    """Discard or void an invoice from the console: a reason, then the service."""
    found = db.get_or_404(Invoice, invoice_id)
    back = redirect(url_for("console.invoice", invoice_id=invoice_id))
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Give a reason."), "error")
        return back
    client_id = found.client_id
    try:
        change(found, {"reason": form.reason.data}, current_user.id)
    except ValidationError as exc:
        db.session.rollback()
        flash(" ".join([exc.message, *sum(exc.fields.values(), [])]), "error")
        return back
    flash(done_message, "success")
    return redirect(done_url(client_id))


@bp.post("/invoices/<int:invoice_id>/discard")
@managers_only
def discard_invoice(invoice_id):
    return _correct(
        invoice_id,
        reviews.discard,
        _(
            "Draft discarded: the period's time entries can be changed again. Close ended "
            "periods to draft it again."
        ),
        lambda client_id: url_for("console.client_ledger", client_id=client_id),
    )


@bp.post("/invoices/<int:invoice_id>/void")
@managers_only
def void_invoice(invoice_id):
    return _correct(
        invoice_id,
        reviews.void,
        _(
            "Invoice voided (in Stripe too, once sent there). Its period's time entries can "
            "be changed, and it can be invoiced again."
        ),
        lambda _client_id: url_for("console.invoice", invoice_id=invoice_id),
    )


@bp.get("/invoices/<int:invoice_id>/pdf")
@managers_only
def invoice_pdf(invoice_id):
    found = db.get_or_404(Invoice, invoice_id)
    return Response(
        pdf.render(found),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="invoice-{found.number}.pdf"'},
    )


class CardForm(FlaskForm):
    setup_intent = HiddenField()


@bp.get("/subscription")
@managers_only
def subscription():
    """The agency's own subscription; the owner updates its card here, suspended or not."""
    return render_template(
        "console/subscription.html",
        found=seats.subscription(),
        form=CardForm(formdata=None),
        publishable_key=current_app.config.get("STRIPE_PUBLISHABLE_KEY"),
        stripe_js=stripe_account.stripe_js_url(),
        status_words=seats.status_words(),
    )


@bp.post("/subscription/card-setup")
@roles_required("owner")
def subscription_card_setup():
    """The explicit step before the card goes to Stripe: a SetupIntent's client secret."""
    return jsonify(seats.start_card_update())


@bp.post("/subscription/card")
@roles_required("owner")
def subscription_card():
    form = CardForm()
    back = redirect(url_for("console.subscription"))
    if not form.validate_on_submit():
        flash(_("The form expired; enter the card again."), "error")
        return back
    try:
        paid = seats.update_card(form.setup_intent.data or "")
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return back
    flash(
        _("Card saved; what was due is being paid with it.")
        if paid
        else _("Card saved; the next payments are charged to it."),
        "success",
    )
    return back


@bp.app_context_processor
def _seat_banner():
    """The console's banner when the agency's own subscription payment failed."""

    if not (
        current_request.blueprint == "console"
        and current_user.is_authenticated
        and getattr(current_user, "agency_id", None)
    ):
        return {}

    # Error pages (a refused CSRF token) render after the request's tenant is cleared.
    with use_agency(current_user.agency_id):
        return {"seat_payment_failed": seats.payment_failed()}
