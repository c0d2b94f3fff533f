"""Health, readiness, metrics and logs."""

import json
import logging
import re
from pathlib import Path

from tests.conftest import post_form, sign_in
from tests.servers import unreachable_redis


def test_healthz_and_readyz(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_reports_a_missing_redis(app, client, monkeypatch):
    with unreachable_redis() as away:
        monkeypatch.setitem(app.extensions, "redis", away)
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json["checks"]["redis"].startswith("error")


def test_metrics_count_requests_and_show_queue_depth(app, client, agency):
    from agency.kernel.queue import enqueue

    app.config["METRICS_TOKEN"] = "scrape-secret-0123456789"
    enqueue("workers.jobs.noop", queue="bulk")
    client.get("/healthz")
    scrape = {"Authorization": "Bearer scrape-secret-0123456789"}
    text = client.get("/metrics", headers=scrape).get_data(as_text=True)
    assert (
        'secretariat_http_requests_total{endpoint="ops.healthz",method="GET",status="200"}' in text
    )
    assert 'secretariat_queue_depth{queue="bulk"} 1.0' in text


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    echoed = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"


def test_json_logs_carry_request_and_agency_ids(app, client, agency, capsys):
    from pythonjsonlogger.json import JsonFormatter

    from tests.conftest import sign_in

    handler = app.logger.handlers[0]
    handler.setFormatter(JsonFormatter("%(levelname)s %(message)s %(request_id)s %(agency_id)s"))
    stream = handler.stream
    records = []

    class Capture(logging.Handler):
        def emit(self, record):
            records.append(handler.format(record))

    app.logger.addHandler(capture := Capture())
    try:
        sign_in(client, agency.owner)
        client.get("/console/", headers={"X-Request-ID": "req-42"})
    finally:
        app.logger.removeHandler(capture)
    assert stream is not None
    line = json.loads(records[-1])
    assert line["request_id"] == "req-42"
    assert line["agency_id"] == agency.agency.id
    assert line["message"] == "GET /console/ 200"


def test_metrics_are_for_the_platforms_operators_only(app, client, agency):
    from agency.domains.accounts.signin import create_platform_admin

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 404
    sign_in(client, agency.owner)
    assert client.get("/metrics").status_code == 404  # an agency's owner is not an operator
    app.config["METRICS_TOKEN"] = "scrape-secret-0123456789"
    assert client.get("/metrics", headers={"Authorization": "Bearer nope"}).status_code == 404

    create_platform_admin("ops@platform.example", "Ops", "platform-password")
    operator = app.test_client()
    post_form(
        operator,
        "/platform/login",
        {"email": "ops@platform.example", "password": "platform-password"},
    )
    assert operator.get("/metrics").status_code == 200


def test_every_page_forbids_inline_scripts_and_styles_and_framing(app, client, agency):
    sign_in(client, agency.owner)
    for url in ("/login", "/console/", "/healthz"):
        policy = client.get(url).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
    assert "Strict-Transport-Security" not in client.get("/login").headers
    app.config["SECRETARIAT_ENV"] = "production"
    assert client.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")


def test_no_template_has_an_inline_script_style_or_handler():
    """What the policy would block: every page's scripts and styles come from files (the
    ``*_pdf.html`` templates, a letter's and an itinerary's, are rendered to PDFs, never
    served)."""
    templates = Path(__file__).resolve().parent.parent / "agency" / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.I)
    found = [
        f"{page.relative_to(templates)}: {match.group(0)}"
        for page in templates.rglob("*.html")
        if not page.name.endswith("_pdf.html")
        for match in inline.finditer(page.read_text(encoding="utf-8"))
    ]
    assert found == []
