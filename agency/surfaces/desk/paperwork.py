"""The bills of the clients a secretary serves (every client, for a manager): recorded
with their document, their payment scheduled and marked paid, disputes, and the
client's rules for bills; overdue bills stand out."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.clients.access import client_for, open_clients
from agency.domains.clients.models import Client
from agency.domains.mail import writing
from agency.domains.paperwork import bills, chasing
from agency.domains.paperwork.forms import BillForm, DecisionForm, ReceivableForm, RulesForm
from agency.domains.paperwork.models import ReceivableStatus
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web import paperwork as paperwork_page
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.files import file_download
from agency.surfaces.web.forms import ConfirmForm, refusal_text, refused

bp = Blueprint("desk_paperwork", __name__, url_prefix="/desk/paperwork")
PEOPLE = ("secretary", "owner", "manager")
ACTIONS = {"schedule": bills.schedule, "pay": bills.pay, "dispute": bills.dispute}


@bp.get("/")
@roles_required(*PEOPLE)
def home():
    clients = open_clients(current_user)
    return render_template("desk/paperwork_clients.html", clients=clients)


def _page(client: Client, bill_form=None, rules_form=None, status: int = 200):
    if rules_form is None:
        rules_form = RulesForm(formdata=None)
        rules_form.fill(bills.rules_view(client))
    today = bills.today_of(client)
    return render_template(
        "desk/bills.html",
        client=client,
        bills=[bills.view(b, today) for b in bills.bills_of(client)],
        bill_form=bill_form or BillForm(formdata=None),
        rules_form=rules_form,
        decision_form=DecisionForm(formdata=None),
        confirm_form=ConfirmForm(),
        today=today,
    ), status


@bp.get("/<int:client_id>")
@roles_required(*PEOPLE)
def client(client_id):
    return _page(client_for(current_user, client_id))


@bp.post("/<int:client_id>/bills")
@roles_required(*PEOPLE)
def add_bill(client_id):
    found = client_for(current_user, client_id)
    form = BillForm()
    if not form.validate_on_submit():
        return _page(found, bill_form=form, status=422)
    upload = request.files.get("file")
    document = (upload.filename, upload.stream.read()) if upload and upload.filename else None
    try:
        bills.create(found, form.payload(), document)
    except ValidationError as exc:
        refused(form, exc)
        return _page(found, bill_form=form, status=exc.status_code)
    flash(_("The bill is recorded."), "success")
    return redirect(url_for(".client", client_id=found.id))


@bp.post("/<int:client_id>/bills/<int:bill_id>/<any(schedule, pay, dispute):bill_action>")
@roles_required(*PEOPLE)
def decide(client_id, bill_id, bill_action):
    found = client_for(current_user, client_id)
    bill = bills.bill_of(found, bill_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            ACTIONS[bill_action](
                bill, {"reason": form.reason.data or None, "on": form.on.data or None}
            )
        except ValidationError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
            return _page(found, status=exc.status_code)
        flash(_("The bill is updated."), "success")
    return redirect(url_for(".client", client_id=found.id) + f"#bill-{bill_id}")


@bp.post("/<int:client_id>/bills/<int:bill_id>/reopen")
@roles_required(*PEOPLE)
def reopen(client_id, bill_id):
    found = client_for(current_user, client_id)
    bill = bills.bill_of(found, bill_id)
    if ConfirmForm().validate_on_submit():
        bills.reopen(bill)
        flash(_("The bill waits for approval again."), "success")
    return redirect(url_for(".client", client_id=found.id))


@bp.get("/<int:client_id>/bills/<int:bill_id>/document")
@roles_required(*PEOPLE)
def document(client_id, bill_id):
    name, data = bills.document_of(bills.bill_of(client_for(current_user, client_id), bill_id))
    return file_download(data, name)


@bp.post("/<int:client_id>/rules")
@roles_required(*PEOPLE)
def rules(client_id):
    found = client_for(current_user, client_id)
    form = RulesForm()
    if not form.validate_on_submit():
        return _page(found, rules_form=form, status=422)
    try:
        bills.save_rules(found, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        form.form_errors += [m for k, v in exc.fields.items() if not hasattr(form, k) for m in v]
        return _page(found, rules_form=form, status=exc.status_code)
    flash(_("The rules for bills are saved."), "success")
    return redirect(url_for(".client", client_id=found.id))


def _chasing_page(client: Client, form=None, status: int = 200):
    form = form or ReceivableForm(formdata=None)
    form.template_id.choices = [("", _("the usual reminder"))] + [
        (str(t.id), t.name) for t in writing.templates_for("email", client.id)
    ]
    return render_template(
        "desk/chasing.html",
        client=client,
        receivables=[chasing.view(r) for r in chasing.receivables_of(client)],
        form=form,
        decision_form=DecisionForm(formdata=None),
    ), status


@bp.get("/<int:client_id>/chasing")
@roles_required(*PEOPLE)
def chasing_page(client_id):
    return _chasing_page(client_for(current_user, client_id))


@bp.post("/<int:client_id>/chasing")
@roles_required(*PEOPLE)
def add_receivable(client_id):
    found = client_for(current_user, client_id)
    form = ReceivableForm()
    if not form.validate_on_submit():
        return _chasing_page(found, form, 422)
    try:
        chasing.create(found, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        return _chasing_page(found, form, exc.status_code)
    flash(_("The invoice will be chased on its schedule."), "success")
    return redirect(url_for(".chasing_page", client_id=found.id))


@bp.post("/<int:client_id>/chasing/<int:receivable_id>/<any(paid, disputed):settled>")
@roles_required(*PEOPLE)
def settle_receivable(client_id, receivable_id, settled):
    found = client_for(current_user, client_id)
    receivable = chasing.receivable_of(found, receivable_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            given = {"reason": form.reason.data or None, "on": form.on.data or None}
            chasing.settle(receivable, ReceivableStatus(settled), given)
        except ValidationError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
            return _chasing_page(found, status=exc.status_code)
        flash(_("Chasing has stopped."), "success")
    return redirect(url_for(".chasing_page", client_id=found.id))


@bp.get("/<int:client_id>/summary")
@roles_required(*PEOPLE)
def summary_page(client_id):
    found = client_for(current_user, client_id)
    return paperwork_page.page(
        found,
        [(_("Bills of %(client)s", client=found.name), url_for(".client", client_id=found.id))],
        lambda month: url_for(".summary_page", client_id=found.id, month=month),
        lambda month: url_for(".summary_csv", client_id=found.id, month=month),
    )


@bp.get("/<int:client_id>/summary.csv")
@roles_required(*PEOPLE)
def summary_csv(client_id):
    return paperwork_page.csv_file(client_for(current_user, client_id))
