"""What a cluster's rollout does to a pod: SIGTERM, then SIGKILL after the grace period.
A worker sent SIGTERM finishes the job it is running (a campaign's slice: every message
it claimed is sent and the rest is queued again) and exits; gunicorn sent SIGTERM
finishes the request in flight and exits. Real processes, real signals."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from rq import Queue
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from agency.domains.promotions.models import Recipient
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD
from tests.test_campaign_killed import _audience, _campaign
from tests.test_worker_killed import ROOT, _start_worker, _wait_until

pytestmark = pytest.mark.postgres
GRACE_SECONDS = 30  # well inside the manifests' terminationGracePeriodSeconds


def _exits_within(process: subprocess.Popen, seconds: float) -> int:
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise AssertionError(f"still running {seconds} s after SIGTERM") from None


@pytest.mark.alone
def test_a_worker_sent_sigterm_finishes_its_job_and_exits(app, agency, mail):
    _audience(agency)
    env = {"SMTP_URL": app.config["SMTP_URL"], "CAMPAIGN_MESSAGES_PER_SECOND": "40",
           "CAMPAIGN_AGENCY_MESSAGES_PER_SECOND": "0", "CAMPAIGN_SLICE_SECONDS": "4",
           "CAMPAIGN_SMTP_CONNECTIONS": "1", "SCHEDULES_ENABLED": "0"}  # fmt: skip
    _campaign(agency)
    worker = _start_worker(app, env)
    try:
        _wait_until(lambda: len(mail.messages) >= 20, "the campaign's job to be under way", 60)
        os.kill(worker.pid, signal.SIGTERM)  # to the worker, as the kubelet does
        assert _exits_within(worker, GRACE_SECONDS) == 0
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    with use_agency(agency.agency.id):
        states = dict(
            db.session.execute(
                select(Recipient.status, func.count()).group_by(Recipient.status)
            ).all()
        )
        db.session.rollback()
    # The job ran to the end of its slice: what it claimed went, nothing is left half done.
    assert states.get("sending", 0) == 0, states
    assert states["sent"] == len(mail.messages) and 0 < states["sent"] < 1000, states
    redis = app.extensions["redis"]
    assert Queue("bulk", connection=redis).count == 1  # the rest, for the next worker
    assert FailedJobRegistry("bulk", connection=redis).count == 0


def test_gunicorn_sent_sigterm_finishes_the_request_in_flight(app, agency):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "REDIS_URL": app.config["REDIS_URL"], "SECRET_KEY": app.config["SECRET_KEY"],
           "SCHEDULES_ENABLED": "0", "WEB_CONCURRENCY": "1"}  # fmt: skip
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until(lambda: _answers(port), "gunicorn to listen", 60)
        body = f'{{"email": "{agency.manager.email}", "password": "{PASSWORD}"}}'.encode()
        with socket.create_connection(("127.0.0.1", port), 10) as conn:
            conn.sendall(
                b"POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/json\r\nConnection: close\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body[:10]
            )
            time.sleep(0.5)  # the request is in flight, its body half sent
            os.kill(web.pid, signal.SIGTERM)
            time.sleep(1)
            assert web.poll() is None, "gunicorn left before the request was done"
            conn.sendall(body[10:])
            answer = b""
            while chunk := conn.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
        assert b'"token"' in answer
        assert _exits_within(web, GRACE_SECONDS) == 0
    finally:
        if web.poll() is None:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), 1) as conn:
            conn.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            return conn.recv(12).startswith(b"HTTP/1.")
    except OSError:
        return False
