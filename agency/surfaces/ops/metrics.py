"""Prometheus metrics: requests by endpoint, latency, and queue depth per queue."""

import time

from flask import g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

from agency.kernel.queue import QUEUE_NAMES, get_queue


class QueueDepth:
    """Reads each queue's length at scrape time."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        family = GaugeMetricFamily(
            "secretariat_queue_depth", "Jobs waiting per queue", labels=["queue"]
        )
        with self.app.app_context():
            for name in QUEUE_NAMES:
                try:
                    depth = get_queue(name).count
                except Exception:  # a scrape must not fail because Redis is away
                    depth = float("nan")
                family.add_metric([name], depth)
        yield family


def init_app(app) -> None:
    registry = CollectorRegistry()
    requests = Counter(
        "secretariat_http_requests_total",
        "HTTP requests",
        ["endpoint", "method", "status"],
        registry=registry,
    )
    latency = Histogram(
        "secretariat_http_request_seconds", "HTTP request latency", ["endpoint"], registry=registry
    )
    registry.register(QueueDepth(app))
    app.extensions["metrics_registry"] = registry

    @app.before_request
    def _start_timer():
        g.started = time.perf_counter()

    @app.after_request
    def _observe(response):
        endpoint = request.endpoint or "unknown"
        requests.labels(endpoint, request.method, str(response.status_code)).inc()
        if "started" in g:
            latency.labels(endpoint).observe(time.perf_counter() - g.started)
        return response
