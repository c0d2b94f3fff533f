"""The dashboard's sections as CSV files: the API's fields, one row per line."""

import csv
import io
from datetime import datetime

from agency.domains.reports import schemas, services
from agency.kernel import clock
from agency.kernel.errors import NotFound

# Section name -> the rows at a moment, and the schema that names and formats the columns.
SECTIONS = {
    "open-by-client": (lambda now: services.open_items()[0], schemas.ClientOpenSchema),
    "open-by-secretary": (lambda now: services.open_items()[1], schemas.SecretaryOpenSchema),
    "past-sla": (services.past_sla, schemas.LateItemSchema),
    "utilisation": (services.utilisation, schemas.UtilisationSchema),
    "client-hours": (services.client_hours, schemas.ClientHoursSchema),
}

# A spreadsheet runs a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def section_csv(section: str, now: datetime | None = None) -> str:
    """One section of the dashboard as CSV text with a header row; NotFound for another name."""
    if section not in SECTIONS:
        raise NotFound()
    rows_at, schema = SECTIONS[section]
    dumped = schema(many=True).dump(rows_at(now or clock.now()))
    columns = list(schema().fields)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in dumped:
        writer.writerow([cell(row[name]) for name in columns])
    return out.getvalue()
