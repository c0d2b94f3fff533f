"""The versioned JSON API under /api/v1, documented at /api/v1/openapi.json and, to
browse, /api/v1/docs."""

from agency.extensions import api, csrf
from agency.surfaces.api import (
    accounts,
    agenda,
    billing,
    calendar,
    calls,
    dashboard,
    docs,
    imports,
    jobs,
    mail,
    paperwork,
    people,
    promotions,
    schedules,
    sla,
    travel,
    vault,
    websites,
    work,
)

SPEC_OPTIONS = {
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "info": {
        "description": "Secretariat's integration API. Send 'Authorization: Bearer <token>'. "
        'Errors are {"error": {"code", "message", "fields"}} with a 4xx status.'
    },
}


def register(app) -> None:
    app.config.setdefault("API_SPEC_OPTIONS", SPEC_OPTIONS)
    api.init_app(app)
    blueprints = (
        accounts.blueprints
        + people.blueprints
        + imports.blueprints
        + work.blueprints
        + dashboard.blueprints
        + schedules.blueprints
        + sla.blueprints
        + jobs.blueprints
        + calls.blueprints
        + mail.blueprints
        + billing.blueprints
        + calendar.blueprints
        + travel.blueprints
        + paperwork.blueprints
        + agenda.blueprints
        + vault.blueprints
        + websites.blueprints
        + promotions.blueprints
    )
    for blueprint in blueprints:
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint)
    app.register_blueprint(docs.bp)
