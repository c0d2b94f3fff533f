"""The client's bills in the portal: those waiting for approval (approved or disputed
here), the rest with their state, overdue ones standing out, and the rules for bills."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from agency.domains.clients.models import Client
from agency.domains.paperwork import bills, chasing
from agency.domains.paperwork.forms import DecisionForm, RulesForm
from agency.domains.paperwork.models import ReceivableStatus
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.web import paperwork as paperwork_page
from agency.surfaces.web.access import full_client_access, own_client, roles_required
from agency.surfaces.web.files import file_download
from agency.surfaces.web.forms import ConfirmForm, refusal_text, refused


def _page(client: Client, rules_form=None, status: int = 200):
    if rules_form is None:
        rules_form = RulesForm(formdata=None)
        rules_form.fill(bills.rules_view(client))
    today = bills.today_of(client)
    return render_template(
        "portal/bills.html",
        client=client,
        bills=[bills.view(b, today) for b in bills.bills_of(client)],
        rules_form=rules_form,
        decision_form=DecisionForm(formdata=None),
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/bills")
@roles_required("client")
@full_client_access
def bills_page():
    return _page(own_client())


@bp.post("/bills/<int:bill_id>/approve")
@roles_required("client")
@full_client_access
def approve_bill(bill_id):
    bill = bills.bill_of(own_client(), bill_id)
    if ConfirmForm().validate_on_submit():
        bills.approve(bill)
        flash(_("The bill is approved: your office will pay it."), "success")
    return redirect(url_for(".bills_page"))


@bp.post("/bills/<int:bill_id>/dispute")
@roles_required("client")
@full_client_access
def dispute_bill(bill_id):
    client = own_client()
    bill = bills.bill_of(client, bill_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            bills.dispute(bill, {"reason": form.reason.data})
        except ValidationError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
            return _page(client, status=exc.status_code)
        flash(_("The bill is disputed: your office will take it up."), "success")
    return redirect(url_for(".bills_page"))


@bp.get("/bills/<int:bill_id>/document")
@roles_required("client")
@full_client_access
def bill_document(bill_id):
    name, data = bills.document_of(bills.bill_of(own_client(), bill_id))
    return file_download(data, name)


@bp.post("/bills/rules")
@roles_required("client")
@full_client_access
def bill_rules():
    client = own_client()
    form = RulesForm()
    if not form.validate_on_submit():
        return _page(client, form, 422)
    try:
        bills.save_rules(client, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        form.form_errors += [m for k, v in exc.fields.items() if not hasattr(form, k) for m in v]
        return _page(client, form, exc.status_code)
    flash(_("Your rules for bills are saved."), "success")
    return redirect(url_for(".bills_page"))


@bp.get("/chasing")
@roles_required("client")
@full_client_access
def chasing_page():
    """Invoices the client issued, being chased for them: each reminder sent and the next
    one's day; the client says when one is paid or disputed."""
    client = own_client()
    return render_template(
        "portal/chasing.html",
        client=client,
        receivables=[chasing.view(r) for r in chasing.receivables_of(client)],
        decision_form=DecisionForm(formdata=None),
        confirm_form=ConfirmForm(),
    )


@bp.post("/chasing/<int:receivable_id>/<any(paid, disputed):settled>")
@roles_required("client")
@full_client_access
def settle_receivable(receivable_id, settled):
    receivable = chasing.receivable_of(own_client(), receivable_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            given = {"reason": form.reason.data or None, "on": form.on.data or None}
            chasing.settle(receivable, ReceivableStatus(settled), given)
        except ValidationError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
            return redirect(url_for(".chasing_page"))
        flash(_("Chasing has stopped."), "success")
    return redirect(url_for(".chasing_page"))


@bp.post("/chasing/<int:receivable_id>/schedule")
@roles_required("client")
@full_client_access
def reschedule_receivable(receivable_id):
    """The client chooses how their customer is chased."""
    receivable = chasing.receivable_of(own_client(), receivable_id)
    if ConfirmForm().validate_on_submit():
        given = {
            name: request.form.get(name)
            for name in ("first_after_days", "every_days", "chase_limit")
            if request.form.get(name, "").strip()
        }
        try:
            chasing.reschedule(receivable, given)
        except ValidationError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
            return redirect(url_for(".chasing_page"))
        flash(_("The reminders follow your schedule."), "success")
    return redirect(url_for(".chasing_page"))


@bp.get("/bills/summary")
@roles_required("client")
@full_client_access
def paperwork_summary():
    """The client's month of paperwork: bills paid, due and overdue, invoices chased and
    paid."""
    return paperwork_page.page(
        own_client(),
        [(_("Bills"), url_for(".bills_page"))],
        lambda month: url_for(".paperwork_summary", month=month),
        lambda month: url_for(".paperwork_summary_csv", month=month),
    )


@bp.get("/bills/summary.csv")
@roles_required("client")
@full_client_access
def paperwork_summary_csv():
    return paperwork_page.csv_file(own_client())
