"""The invoice as a PDF, with what a client expects of an invoice: who bills whom (names
and addresses), the issue and due dates, the period by its last day, the lines (with the
hours carried over from earlier periods), subtotal, tax and total, the payment terms,
and, when the contract says so, the time entries behind the hours. Words, dates and
numbers are in the reader's language."""

import io
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agency.domains.billing.models import BillingAccount, Invoice, InvoiceStatus
from agency.domains.billing.reviews import entries_of
from agency.domains.contracts.models import Contract
from agency.kernel.database import db
from agency.kernel.i18n import last_day, money
from tenants import Agency

GRID = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)
TOTALS = TableStyle(
    [
        ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
        ("LINEABOVE", (0, -1), (-1, -1), 0.75, colors.black),
        ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
    ]
)


def _lines_of(text: str | None) -> str:
    """A typed address as PDF markup: escaped, its lines kept."""
    return "<br/>".join(escape(line) for line in (text or "").strip().splitlines())


def _plain(text: str) -> str:
    """Text the PDF's standard font can show: the narrow and no-break spaces some locales
    put in times and numbers as plain spaces."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")


def _hours(minutes: int) -> str:
    return format_decimal(minutes / 60, format="#,##0.00")


def render(invoice: Invoice) -> bytes:
    agency = db.session.get(Agency, invoice.agency_id)
    account = db.session.scalar(db.select(BillingAccount))
    contract = db.session.get(Contract, invoice.contract_id) if invoice.contract_id else None
    zone = ZoneInfo(agency.timezone)
    styles = getSampleStyleSheet()
    normal, small = styles["Normal"], styles["BodyText"]

    parties = Table(
        [
            [
                Paragraph(f"<b>{escape(agency.name)}</b><br/>{_lines_of(agency.address)}", normal),
                Paragraph(
                    f"{escape(_('Bill to'))}<br/><b>{escape(invoice.client.name)}</b><br/>"
                    f"{_lines_of(invoice.client.address)}",
                    normal,
                ),
            ]
        ],
        colWidths=[240, 240],
    )
    issued = (
        _plain(format_date(invoice.issued_at.astimezone(zone).date()))
        if invoice.issued_at
        else _("not issued yet (draft)")
    )
    facts = [
        [_("Invoice number"), invoice.number],
        [_("Issue date"), issued],
        [_("Due date"), _plain(format_date(invoice.due_on)) if invoice.due_on else "—"],
        [
            _("Period"),
            _(
                "%(first)s to %(last)s",
                first=_plain(format_date(invoice.period_start)),
                last=_plain(format_date(last_day(invoice.period_end))),
            ),
        ],
    ]
    story = [
        Paragraph(escape(_("Invoice %(number)s", number=invoice.number)), styles["Title"]),
        parties,
        Spacer(1, 12),
        Table(facts, colWidths=[120, 360], hAlign="LEFT"),
        Spacer(1, 12),
    ]

    lines = [[_("Description"), _("Hours"), _("Rate"), _("Amount")]]
    for line in invoice.lines:
        lines.append(
            [
                Paragraph(escape(line.description), small),
                _hours(line.minutes) if line.minutes else "",
                _plain(money(line.rate_minor, invoice.currency)) if line.rate_minor else "",
                _plain(money(line.amount_minor, invoice.currency)),
            ]
        )
    if invoice.rollover_minutes:
        lines.append(
            [
                Paragraph(escape(_("Hours carried over from earlier periods, used")), small),
                _hours(invoice.rollover_minutes),
                "",
                "",
            ]
        )
    table = Table(lines, colWidths=[250, 60, 80, 90], repeatRows=1)
    table.setStyle(GRID)
    percent = format_decimal(invoice.tax_basis_points / 100, format="#,##0.##")
    totals = Table(
        [
            [_("Subtotal"), _plain(money(invoice.subtotal_minor, invoice.currency))],
            [
                _("Tax (%(percent)s %%)", percent=percent),
                _plain(money(invoice.tax_minor, invoice.currency)),
            ],
            [_("Total"), _plain(money(invoice.total_minor, invoice.currency))],
        ],
        colWidths=[390, 90],
    )
    totals.setStyle(TOTALS)
    story += [table, totals, Spacer(1, 12)]

    days = account.payment_terms_days if account is not None else 14
    if invoice.status == InvoiceStatus.paid.value:
        terms = _("Paid. Thank you.")
    elif invoice.due_on:
        terms = _(
            "Payment terms: %(days)s days. Please pay by %(date)s.",
            days=days,
            date=_plain(format_date(invoice.due_on)),
        )
    else:
        terms = _("Payment terms: %(days)s days from the issue date.", days=days)
    story.append(Paragraph(escape(terms), normal))

    if contract is None or contract.itemise_time:
        story += [Spacer(1, 18), Paragraph(escape(_("Time entries")), styles["Heading3"])]
        detail = [[_("Started"), _("Minutes"), _("Billable minutes"), _("Billable")]]
        for entry in entries_of(invoice):
            started = _plain(format_datetime(entry.started_at, "short"))
            if entry.original_started_at is not None:
                worked = _plain(format_datetime(entry.original_started_at, "short"))
                started = Paragraph(
                    escape(_("%(booked)s (worked %(worked)s)", booked=started, worked=worked)),
                    small,
                )
            detail.append(
                [
                    started,
                    str(entry.raw_minutes),
                    str(entry.billable_minutes),
                    _("yes") if entry.billable else _("no"),
                ]
            )
        entries = Table(detail, colWidths=[190, 70, 110, 70], repeatRows=1)
        entries.setStyle(GRID)
        story.append(entries)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=invoice.number, author=agency.name).build(story)
    return buffer.getvalue()
