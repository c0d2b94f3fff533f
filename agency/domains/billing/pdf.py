"""The invoice as a PDF: its lines, totals, and the time entries behind the hours."""

import io
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agency.domains.billing.models import Invoice
from agency.domains.billing.reviews import entries_of
from agency.kernel.database import db
from agency.kernel.i18n import money
from tenants import Agency

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
    ]
)


def render(invoice: Invoice) -> bytes:
    agency = db.session.get(Agency, invoice.agency_id)
    zone = ZoneInfo(agency.timezone)
    styles = getSampleStyleSheet()
    story = [
        Paragraph(agency.name, styles["Title"]),
        Paragraph(_("Invoice %(number)s", number=invoice.number), styles["Heading2"]),
        Paragraph(invoice.client.name, styles["Normal"]),
        Paragraph(
            _(
                "Period %(start)s to %(end)s (end exclusive)",
                start=invoice.period_start.isoformat(),
                end=invoice.period_end.isoformat(),
            ),
            styles["Normal"],
        ),
        Spacer(1, 12),
    ]
    lines = [[_("Description"), _("Hours"), _("Rate"), _("Amount")]]
    for line in invoice.lines:
        lines.append(
            [
                line.description,
                f"{line.minutes / 60:.2f}" if line.minutes else "",
                money(line.rate_minor, invoice.currency) if line.rate_minor else "",
                money(line.amount_minor, invoice.currency),
            ]
        )
    lines.append(["", "", _("Total"), money(invoice.total_minor, invoice.currency)])
    table = Table(lines, colWidths=[250, 60, 80, 90])
    table.setStyle(GRID)
    story += [table, Spacer(1, 18), Paragraph(_("Time entries"), styles["Heading3"])]
    detail = [[_("Started"), _("Minutes"), _("Billable minutes"), _("Billable")]]
    for entry in entries_of(invoice):
        started = entry.started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        if entry.original_started_at is not None:
            worked = entry.original_started_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            started = Paragraph(
                _("%(booked)s (worked %(worked)s)", booked=started, worked=worked),
                styles["Normal"],
            )
        detail.append(
            [
                started,
                str(entry.raw_minutes),
                str(entry.billable_minutes),
                _("yes") if entry.billable else _("no"),
            ]
        )
    table = Table(detail, colWidths=[190, 70, 110, 70], repeatRows=1)
    table.setStyle(GRID)
    story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=invoice.number).build(story)
    return buffer.getvalue()
