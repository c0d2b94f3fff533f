"""Making, suspending, resuming and exporting an agency."""

import json
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from sqlalchemy import select, text

from agency.kernel import clock
from agency.kernel.database import db
from tenants.context import set_current_agency, use_agency
from tenants.models import Agency, AgencyStatus
from tenants.scoping import all_tenant_models


def create(**values) -> Agency:
    """A new agency, made as itself and left the current tenant: on PostgreSQL its id is
    drawn first and set as the tenant, so row-level security lets its row in (an agency
    sees and changes only its own row)."""
    if db.session.connection().dialect.name == "postgresql":
        values["id"] = db.session.scalar(
            text("SELECT nextval(pg_get_serial_sequence('agencies', 'id'))")
        )
        set_current_agency(values["id"])
    agency = Agency(**values)
    db.session.add(agency)
    db.session.flush()
    set_current_agency(agency.id)
    return agency


def suspend(agency: Agency, reason: str, for_billing: bool = False) -> Agency:
    """Read-only from now on, nothing deleted; ``for_billing``: its own subscription is
    unpaid, and the subscription's recovery resumes it."""
    with use_agency(agency.id):
        agency.status = AgencyStatus.suspended
        agency.suspended_reason = (reason or "").strip()[:500] or None
        agency.suspended_for_billing = for_billing
        db.session.commit()
        db.session.refresh(agency)  # read back as itself: its row is its own to read
    return agency


def resume(agency: Agency) -> Agency:
    with use_agency(agency.id):
        agency.status = AgencyStatus.active
        agency.suspended_reason = None
        agency.suspended_for_billing = False
        db.session.commit()
        db.session.refresh(agency)
    return agency


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value"):
        return value.value
    return value


def _row(obj) -> dict:
    mapper = type(obj).__mapper__
    return {
        column.key: _plain(getattr(obj, column.key))
        for column in mapper.column_attrs
        if column.columns[0].info.get("export", True)
    }


def export(agency: Agency) -> dict:
    """Everything the agency owns, table by table, without password or token hashes."""
    archive = {
        "format": "secretariat-agency-export/1",
        "exported_at": clock.now().isoformat(),
        "tables": {},
    }
    with use_agency(agency.id):
        archive["agency"] = _row(agency)
        for model in all_tenant_models(db.Model.registry):
            rows = db.session.scalars(select(model).order_by(model.id)).all()
            archive["tables"][model.__tablename__] = [_row(row) for row in rows]
    return archive


def export_json(agency: Agency) -> str:
    return json.dumps(export(agency), indent=2, ensure_ascii=False, sort_keys=True)


def export_download(agency: Agency):
    """The archive as a JSON file download (console and platform alike)."""

    return Response(
        export_json(agency),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{agency.slug}-export.json"'},
    )
