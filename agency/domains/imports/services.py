"""CSV import: every row is checked first; nothing is written unless the whole file is good.

Cells use the console's plain-text shapes ("pt C2, en B2", "mon-fri 09:00-17:00"),
so a file exported from a spreadsheet reads the same way a manager types.
"""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from agency.domains.clients import services as clients
from agency.domains.clients.models import Client
from agency.domains.promotions import consent
from agency.domains.staff import services as staff
from agency.kernel import plaintext as text
from agency.kernel.database import db
from agency.kernel.errors import BadInput, ValidationError

MAX_BYTES = 5 * 1024 * 1024


def _secretary(row: dict) -> dict:
    return {
        "name": row.get("name", ""),
        "email": row.get("email", ""),
        "phone": row.get("phone") or None,
        "timezone": row.get("timezone") or "UTC",
        "languages": text.languages(row.get("languages"), "languages"),
        "specialities": text.specialities(row.get("specialities")),
        "skills": text.skills(row.get("skills"), "skills"),
        "schedule": text.weekly_hours((row.get("schedule") or "").replace(";", "\n"), "schedule"),
        **{k: row[k] for k in ("capacity_clients", "capacity_items") if row.get(k)},
    }


def _client(row: dict) -> dict:
    return {
        "name": row.get("name", ""),
        "email": row.get("email") or None,
        "phone": row.get("phone") or None,
        "timezone": row.get("timezone") or "UTC",
        "languages": text.codes(row.get("languages")),
        "industry": row.get("industry") or None,
        "required_specialities": text.codes(row.get("required_specialities")),
        "greeting": row.get("greeting") or None,
        "instructions": row.get("instructions") or None,
        "business_hours": text.weekly_hours(
            (row.get("business_hours") or "").replace(";", "\n"), "business_hours"
        ),
    }


def _yes(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "yes", "y", "true", "x", "ja", "sim", "ya", "jah"}


def _contact(row: dict) -> tuple[Client, dict]:
    name = (row.get("client") or "").strip()
    client = db.session.scalar(select(Client).where(func.lower(Client.name) == name.lower()))
    if client is None:
        raise ValidationError.on("client", _("No client called %(name)s.", name=name))
    if _yes(row.get("marketing_consent")) and not (row.get("consent_source") or "").strip():
        raise ValidationError.on(
            "consent_source",
            _("Say where this contact's consent to marketing email comes from (consent_source)."),
        )
    return client, {
        "name": row.get("name", ""),
        "company": row.get("company") or None,
        "kind": row.get("kind") or "other",
        "email": row.get("email") or None,
        "phone": row.get("phone") or None,
        "vip": _yes(row.get("vip")),
        "marketing_consent": _yes(row.get("marketing_consent")),
        "tags": [t for t in (row.get("tags") or "").replace(";", ",").split(",") if t.strip()],
        "language": row.get("language") or None,
    }


def _new_contact(row: dict):
    """The contact, and its consent as a record with the source the file states."""
    contact = clients.new_contact(*_contact(row))
    if contact.marketing_consent:
        db.session.flush()
        consent.imported(contact, row["consent_source"], row.get("consent_wording") or None)
    return contact


KINDS = {
    "secretaries": (("name", "email"), lambda row: staff.new_secretary(_secretary(row))),
    "clients": (("name",), lambda row: clients.new_client(_client(row))),
    "contacts": (("client", "name"), lambda row: _new_contact(row)),
}


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _rows(raw: bytes, required: tuple[str, ...]) -> list[dict]:
    if len(raw) > MAX_BYTES:
        raise BadInput(_("The file is larger than 5 MB."))
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(_("The file is not UTF-8 text. Save it as CSV (UTF-8).")) from exc
    try:
        sample = content[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.strip() else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(content), dialect=dialect)
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [h for h in required if h not in headers]
    if missing:
        raise BadInput(
            _(
                "The first line must name the columns; missing: %(columns)s.",
                columns=", ".join(missing),
            )
        )
    try:
        return [
            {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
            for row in reader
        ]
    except csv.Error as exc:
        raise BadInput(_("The file is not valid CSV: %(error)s.", error=str(exc))) from exc


def import_csv(kind: str, raw: bytes, dry_run: bool = True) -> ImportReport:
    """Check every row; write them all in one transaction only when every row is good."""
    if kind not in KINDS:
        raise BadInput(_("Import secretaries, clients or contacts."))
    required, build = KINDS[kind]
    rows = _rows(raw, required)
    report = ImportReport(kind=kind, dry_run=dry_run, rows=len(rows))
    for line, row in enumerate(rows, start=2):
        try:
            build(row)  # a bad row raises before anything is added to the session
        except ValidationError as exc:
            fields = exc.fields or {"_": [exc.message]}
            report.errors.append({"line": line, "fields": fields})
    if report.ok and not dry_run:
        db.session.commit()
        report.created = len(rows)
    else:
        db.session.rollback()
    return report
