"""The client's invoices in the portal, with the time entries behind each line."""

from flask import Response, abort, render_template
from flask_login import current_user

from agency.access import roles_required
from agency.billing import invoicing, pdf
from agency.billing.models import Invoice, InvoiceStatus
from agency.extensions import db
from agency.portal.views import bp


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
def invoices():
    if not current_user.client_id:
        abort(404)
    shown = [
        i
        for i in invoicing.invoices(current_user.client_id)
        if i.status != InvoiceStatus.draft.value
    ]
    return render_template("portal/invoices.html", invoices=shown)


@bp.get("/invoices/<int:invoice_id>")
@roles_required("client")
def invoice(invoice_id):
    found = _own_invoice(invoice_id)
    return render_template(
        "portal/invoice.html", invoice=found, entries=invoicing.entries_of(found)
    )


@bp.get("/invoices/<int:invoice_id>/pdf")
@roles_required("client")
def invoice_pdf(invoice_id):
    found = _own_invoice(invoice_id)
    return Response(
        pdf.render(found),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="invoice-{found.number}.pdf"'},
    )
