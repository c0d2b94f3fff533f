"""The client's invoices in the portal, with the time entries behind each line, and the
approval of extra hours."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.billing import overage, pdf, reviews
from agency.domains.billing.models import Invoice, InvoiceStatus
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.portal.forms import ExtraHoursForm
from agency.surfaces.web.access import full_client_access, roles_required


def _own_invoice(invoice_id: int) -> Invoice:
    """The signed-in client's own issued invoice; a draft under review is not shown yet."""
    invoice = db.session.get(Invoice, invoice_id)
    if (
        invoice is None
        or invoice.client_id != current_user.client_id
        or invoice.status == InvoiceStatus.draft.value
    ):
        abort(404)
    return invoice


@bp.get("/invoices")
@roles_required("client")
@full_client_access
def invoices():
    if not current_user.client_id:
        abort(404)
    shown = [
        i for i in reviews.invoices(current_user.client_id) if i.status != InvoiceStatus.draft.value
    ]
    return render_template("portal/invoices.html", invoices=shown)


@bp.get("/invoices/<int:invoice_id>")
@roles_required("client")
@full_client_access
def invoice(invoice_id):
    found = _own_invoice(invoice_id)
    return render_template("portal/invoice.html", invoice=found, entries=reviews.entries_of(found))


@bp.get("/invoices/<int:invoice_id>/pdf")
@roles_required("client")
@full_client_access
def invoice_pdf(invoice_id):
    found = _own_invoice(invoice_id)
    return Response(
        pdf.render(found),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="invoice-{found.number}.pdf"'},
    )


def _cap_minutes(text: str | None) -> int | None:
    """Hours typed by the client as whole minutes; blank is no cap."""
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        hours = Decimal(text)
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite() or hours <= 0 or hours > 10_000:
        raise ValidationError.on(
            "cap_minutes", _("Give the extra hours as a number, e.g. 5 or 2.5, or leave it blank.")
        )
    return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@bp.post("/hours/extra")
@roles_required("client")
@full_client_access
def approve_extra_hours():
    client = db.session.get(Client, current_user.client_id) if current_user.client_id else None
    if client is None:
        abort(404)
    form = ExtraHoursForm()
    if form.validate_on_submit():
        try:
            cap_minutes = _cap_minutes(form.cap_hours.data)
            overage.approve(client, {"cap_minutes": cap_minutes}, current_user)
        except ValidationError as exc:
            db.session.rollback()
            flash(" ".join([exc.message, *sum(exc.fields.values(), [])]), "error")
        else:
            flash(_("Extra hours approved for this period."), "success")
    return redirect(url_for("portal.home", _anchor="hours"))
