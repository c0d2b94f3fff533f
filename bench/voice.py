"""Voice-webhook decisions per second and p99 latency under gunicorn on loopback, beside a
bare Flask endpoint doing one primary-key read, in the same run on the same servers.

    python bench/voice.py        (PostgreSQL on 127.0.0.1, user postgres, trust auth; Redis)

Each side gets the same number of requests from the same client threads, in alternating
slices of 250 with both servers up, so that other load on the machine falls on both
alike; every request is a new connection, as the provider makes them. The product's
requests are signed calls from a mix of VIP, listed, blocked and unknown callers, each
with its own CallSid; its answers are checked to be TwiML. The last line is the figure:
the product's decisions per second over the bare endpoint's requests per second.
"""

import http.client
import os
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import claim_redis, load_line, serve  # noqa: E402

OWNER = os.environ.get(
    "BENCH_OWNER_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_voice"
)
APP = os.environ.get(
    "BENCH_APP_URL", "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_voice"
)
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")  # its own
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 2000))
THREADS = int(os.environ.get("BENCH_THREADS", 4))
WORKERS = int(os.environ.get("BENCH_WORKERS", 2))
SLICE = 250  # requests per side before switching to the other
DEADLINE_SECONDS = 120  # per slice: the run stops by itself
TOKEN = "bench-auth-token"
LINE = "+442079460100"
CALLERS = ["+442079460001", "+442079460555", "+447700900123", "+351912000111"]


def bare_app():
    """A bare Flask endpoint: one primary-key read on the same database, nothing else."""
    from flask import Flask
    from sqlalchemy import create_engine, text

    app = Flask("bare")
    engine = create_engine(APP, pool_size=4)

    @app.post("/bare")
    def bare():
        with engine.connect() as connection:
            name = connection.execute(
                text("SELECT name FROM agencies WHERE id = :id"), {"id": 1}
            ).scalar()
        return f"<Response><Say>{name}</Say></Response>", 200, {"Content-Type": "application/xml"}

    return app


def product_app():
    os.environ.update(DATABASE_URL=APP, REDIS_URL=REDIS, SECRET_KEY="bench-secret", LOG_JSON="0")
    from agency.app import create_app

    return create_app()


def setup() -> None:
    from flask_migrate import upgrade

    from agency.app import create_app
    from agency.domains.calls import services
    from agency.domains.clients.models import Assignment, Client
    from agency.domains.staff.models import Secretary
    from agency.kernel.database import db
    from agency.kernel.validation import WEEKDAYS
    from tenants import lifecycle, use_agency
    from tests.database import recreate_postgres

    recreate_postgres(APP, OWNER)
    os.environ.update(SECRET_KEY="bench-secret")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": APP, "DATABASE_MIGRATE_URL": OWNER, "REDIS_URL": REDIS}
    )
    with app.app_context():
        upgrade()
        agency = lifecycle.create(name="Bench", slug="bench")
        db.session.commit()
        with use_agency(agency.id):
            client = Client(name="Bench client", timezone="Europe/Lisbon", greeting="Hello")
            db.session.add(client)
            db.session.flush()
            for n, role in enumerate(("primary", "backup", "backup")):
                desk = Secretary(
                    name=f"Desk {n}",
                    email=f"d{n}@bench.example",
                    phone=f"+35191000000{n}",
                    shift_status="on_shift",
                    schedule={d: [["00:00", "24:00"]] for d in WEEKDAYS},
                )
                db.session.add(desk)
                db.session.flush()
                db.session.add(Assignment(client_id=client.id, secretary_id=desk.id, role=role))
            db.session.commit()
            services.save_voice_settings({"auth_token": TOKEN})
            services.add_number({"number": LINE, "client_id": client.id})
            services.save_rules(
                client,
                {
                    "vip_numbers": [CALLERS[0]] + [f"+3519120{n:05d}" for n in range(200)],
                    "forward_numbers": ["+4420794605*"],
                    "block_numbers": ["+4477*"],
                    "client_phone": "+351912345678",
                    "unavailable_windows": [
                        {"weekday": "tue", "start": "09:00", "end": "12:00", "label": "Meetings"}
                    ],
                },
            )
        db.engine.dispose()


def requests_for(port: int, product: bool, prefix: str) -> list[tuple[str, bytes, dict]]:
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    prepared = []
    for n in range(REQUESTS):
        if not product:
            prepared.append(("/bare", b"", {}))
            continue
        form = {"CallSid": f"{prefix}{n:08d}", "From": CALLERS[n % len(CALLERS)], "To": LINE}
        url = f"http://127.0.0.1:{port}/hooks/voice"
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": validator.compute_signature(url, form),
        }
        prepared.append(("/hooks/voice", urlencode(form).encode(), headers))
    return prepared


def load(port: int, prepared: list) -> tuple[float, list[float], int]:
    """Send every request from THREADS threads; (seconds, latencies, failures)."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    position = [0]
    stop_at = time.monotonic() + DEADLINE_SECONDS

    def worker():
        while time.monotonic() < stop_at:
            with lock:
                if position[0] >= len(prepared):
                    return
                path, body, headers = prepared[position[0]]
                position[0] += 1
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            connection.close()
            elapsed = time.perf_counter() - started
            ok = response.status == 200 and b"<Response>" in payload
            with lock:
                latencies.append(elapsed)
                failures[0] += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began, latencies, failures[0]


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def report(name: str, seconds: float, latencies: list[float], failures: int) -> float:
    rate = len(latencies) / seconds
    print(
        f"{name:8} {len(latencies):5d} requests in {seconds:6.2f}s: {rate:7.1f}/s, "
        f"p50 {sorted(latencies)[len(latencies) // 2] * 1000:6.1f} ms, "
        f"p99 {p99(latencies):6.1f} ms, {failures} failed"
    )
    if failures:
        raise SystemExit(f"{name}: {failures} requests failed")
    return rate


def run_both() -> tuple[float, float, float, float]:
    """Both servers up at once, worked in alternating slices, so that other load on the
    machine falls on both sides alike."""
    sides = {"bare": ("bench.voice:bare_app()", 8771, False),
             "product": ("bench.voice:product_app()", 8772, True)}  # fmt: skip
    # gunicorn.conf.py's threads, as production runs (the command line would override them)
    processes = [
        serve(target, port, workers=WORKERS, threads=int(os.environ.get("WEB_THREADS", "100")))
        for target, port, _product in sides.values()
    ]
    totals = {name: [0.0, [], 0] for name in sides}
    try:
        prepared = {}
        for name, (_target, port, product) in sides.items():
            load(port, requests_for(port, product, "CW")[:100])  # warm-up: pools, imports
            prepared[name] = requests_for(port, product, "CA")
        for start in range(0, REQUESTS, SLICE):
            for name, (_target, port, _product) in sides.items():
                seconds, latencies, failures = load(port, prepared[name][start : start + SLICE])
                totals[name][0] += seconds
                totals[name][1].extend(latencies)
                totals[name][2] += failures
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)
    bare_rate = report("bare", *totals["bare"])
    rate = report("product", *totals["product"])
    return bare_rate, p99(totals["bare"][1]), rate, p99(totals["product"][1])


def main() -> None:
    from redis import Redis

    claim_redis(REDIS, "bench:voice")
    setup()
    bare_rate, bare_p99, rate, product_p99 = run_both()
    Redis.from_url(REDIS).flushdb()  # the calls the product side left in its inbox, and the job
    print(f"p99: product {product_p99:.1f} ms, bare {bare_p99:.1f} ms (webhook timeout 15000 ms)")
    print(load_line())
    print(
        f"voice: ratio={rate / bare_rate:.2f} (signed /hooks/voice decisions/s vs bare Flask "
        f"primary-key read requests/s under gunicorn, {WORKERS} workers, {THREADS} client "
        f"threads: {rate:.0f} vs {bare_rate:.0f})"
    )


if __name__ == "__main__":
    main()
