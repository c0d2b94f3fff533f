"""The API's documentation, browsable: the OpenAPI document in Swagger UI, served from
our own static files (no CDN) under the same Content-Security-Policy as every page."""

from flask import Blueprint, render_template, url_for

bp = Blueprint("api_docs", __name__)


@bp.get("/api/v1/docs")
def docs():
    return render_template(
        "api/docs.html", spec_url=url_for("api-docs.openapi_json", _external=False)
    )
