"""Health, readiness, metrics and logs."""

import json
import logging

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

    enqueue("workers.jobs.noop", queue="bulk")
    client.get("/healthz")
    text = client.get("/metrics").get_data(as_text=True)
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
