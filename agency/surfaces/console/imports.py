"""Console page for CSV imports, with a dry run."""

from flask import render_template
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from agency.domains.imports.services import import_csv
from agency.kernel.errors import BadInput
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.forms import ImportForm
from agency.surfaces.web.access import managers_only

KIND_LABELS = {
    "secretaries": _l("Secretaries"),
    "clients": _l("Clients"),
    "contacts": _l("Contacts (with a client column)"),
}


@bp.route("/import", methods=["GET", "POST"])
@managers_only
def import_records():
    form = ImportForm()
    form.kind.choices = [SelectChoice(kind, label) for kind, label in KIND_LABELS.items()]
    report, status = None, 200
    if form.validate_on_submit():
        try:
            report = import_csv(form.kind.data, form.file.data.read(), form.dry_run.data)
        except BadInput as exc:
            form.file.errors = [exc.message]
            status = 400
        else:
            status = 200 if report.ok else 422
    elif form.is_submitted():
        status = 400
    return render_template("console/import.html", form=form, report=report), status
