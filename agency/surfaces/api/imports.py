"""CSV imports over the API: POST the file as text/csv."""

from flask import request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.imports.services import import_csv
from agency.surfaces.api.base import token_required

imports_bp = Blueprint("api_imports", __name__, url_prefix="/api/v1/imports", description="Imports")
blueprints = (imports_bp,)


class ImportErrorSchema(Schema):
    line = fields.Integer()
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ImportReportSchema(Schema):
    kind = fields.String()
    dry_run = fields.Boolean()
    rows = fields.Integer()
    created = fields.Integer()
    ok = fields.Boolean()
    errors = fields.List(fields.Nested(ImportErrorSchema))


@imports_bp.post("/<any(secretaries, clients, contacts):kind>")
@imports_bp.doc(
    requestBody={"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}},
    parameters=[{"in": "query", "name": "dry_run", "schema": {"type": "boolean", "default": True}}],
)
@imports_bp.response(200, ImportReportSchema)
@imports_bp.alt_response(422, schema=ImportReportSchema, description="Rows need attention")
@token_required(managers=True)
def import_file(kind):
    """Check a CSV file (dry run, the default) or import it: all rows, or none."""
    dry_run = request.args.get("dry_run", "true").lower() not in {"0", "false", "no"}
    report = import_csv(kind, request.get_data(), dry_run)
    return ImportReportSchema().dump(report), 200 if report.ok else 422
