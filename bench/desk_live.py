"""The live desk at scale: 500 idle desks held open by one web process for a minute, then
200 calls and item changes, beside the one-second full-page poll it replaces, in the
same run on the same servers.

    python bench/desk_live.py      (PostgreSQL on 127.0.0.1, user postgres, trust; Redis)

One gunicorn worker with threads serves a seeded agency: 500 secretaries, each serving
one of 100 clients (five desks a client), 1,000 open items. Each desk is a signed-in
secretary's event stream (`/desk/live`), read by one selector in this process.

- Idle: for IDLE_SECONDS nothing happens; the web process's CPU (its master and worker,
  from /proc) and the database's transactions (pg_stat_database) are counted.
- Changes: CHANGES changes, half new work items, half ringing calls, one every 50 ms,
  each made and committed here through the product's own code; each must reach exactly
  the five desks of its client. Delivery latency is from the commit to the event read.
- The poll it replaces: POLL_DESKS desks ask for their whole queue every second (no
  tag: what the desk did before) for POLL_SECONDS, while POLL_CHANGES items are
  created; its delivery latency is from the commit to the first answer showing the item.

The last line: `desk_live: p99=… median=…, …, ratio=<web CPU per desk-minute, live over
poll>`.
"""

import http.client
import os
import random
import re
import resource
import selectors
import signal
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    app_from,
    claim_redis,
    cpu_seconds,
    load_line,
    percentile,
    serve,
    session_cookie,
    vacuum,
)

OWNER = os.environ.get(
    "BENCH_OWNER_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/secretariat_bench_desk_live",
)
APP = os.environ.get(
    "BENCH_APP_URL",
    "postgresql+psycopg://secretariat_app@127.0.0.1:5432/secretariat_bench_desk_live",
)
# This bench's own Redis database: emptied before and after, never shared.
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
DESKS = int(os.environ.get("BENCH_DESKS", 500))
CLIENTS = DESKS // 5
IDLE_SECONDS = int(os.environ.get("BENCH_IDLE_SECONDS", 60))
CHANGES = int(os.environ.get("BENCH_CHANGES", 200))
POLL_DESKS = int(os.environ.get("BENCH_POLL_DESKS", 50))
POLL_SECONDS = int(os.environ.get("BENCH_POLL_SECONDS", 30))
POLL_CHANGES = 20
PORT = 8781
SECRET = "bench-secret"
MARK = "bench:desk_live"


def product_app():
    return app_from(
        {"DATABASE_URL": APP, "REDIS_URL": REDIS, "SECRET_KEY": SECRET, "LOG_JSON": "0",
         "SCHEDULES_ENABLED": "0"}
    )  # fmt: skip


def setup():
    """A migrated database with the agency, its desks, clients and open items; the app
    this process changes things with; and a signed session cookie for each desk."""
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from agency.app import create_app
    from agency.domains.accounts.models import Role, User
    from agency.domains.accounts.passwords import hash_password
    from agency.domains.calls import services as calls
    from agency.domains.clients.models import Assignment, Client
    from agency.domains.staff.models import Secretary
    from agency.domains.work.creation import create_item
    from agency.kernel.database import db
    from tenants import lifecycle, use_agency
    from tests.database import recreate_postgres

    recreate_postgres(APP, OWNER)
    os.environ.update(SECRET_KEY=SECRET)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": APP,
            "DATABASE_MIGRATE_URL": OWNER,
            "REDIS_URL": REDIS,
            "SCHEDULES_ENABLED": False,
        }
    )
    context = app.app_context()
    context.push()
    upgrade()
    agency = lifecycle.create(name="Bench", slug="bench")
    db.session.commit()
    agency_id = agency.id
    hashed = hash_password("bench password")
    with use_agency(agency_id):
        users = db.session.scalars(
            insert(User).returning(User),
            [
                {"email": f"desk{n}@bench.example", "name": f"Desk {n}", "role": Role.secretary,
                 "password_hash": hashed, "agency_id": agency_id}
                for n in range(DESKS)
            ],
        ).all()  # fmt: skip
        secretaries = db.session.scalars(
            insert(Secretary).returning(Secretary.id),
            [
                {"user_id": u.id, "name": u.name, "email": u.email, "shift_status": "on_shift",
                 "agency_id": agency_id}
                for u in users
            ],
        ).all()  # fmt: skip
        clients = db.session.scalars(
            insert(Client).returning(Client.id),
            [
                {"name": f"Client {n}", "email": f"c{n}@bench.example", "agency_id": agency_id}
                for n in range(CLIENTS)
            ],
        ).all()
        db.session.execute(
            insert(Assignment),
            [
                {"client_id": clients[n // 5], "secretary_id": s, "role": "backup",
                 "agency_id": agency_id}
                for n, s in enumerate(secretaries)
            ],
        )  # fmt: skip
        calls.save_voice_settings({"auth_token": "bench-token"})
        db.session.commit()
        for n in range(1000):
            create_item({"client_id": clients[n % CLIENTS], "kind": "task", "title": f"Open {n}"})
        cookies = [session_cookie(app, user) for user in users]
    db.session.remove()
    vacuum(OWNER)  # so that autovacuum does not count as the desks' transactions while idle
    app.extensions["redis"].flushdb()  # what the seeding published: nobody listened
    app.extensions["redis"].set(MARK, "1")
    return app, agency_id, clients, cookies


def transactions() -> int:
    """Transactions the bench database has seen (committed and rolled back)."""
    from sqlalchemy import create_engine, make_url, text

    owner = make_url(OWNER)
    engine = create_engine(owner.set(database="postgres"))
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        found = conn.execute(
            text("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = :d"),
            {"d": owner.database},
        ).scalar()
    engine.dispose()
    return int(found)


class Streams:
    """DESKS event streams on one selector: each event's topics and when it was read."""

    EVENT = re.compile(rb"event: change\ndata: ([^\n]*)\n\n")

    def __init__(self, cookies):
        self.selector = selectors.DefaultSelector()
        self.buffers: dict[int, bytearray] = {}
        self.started = set()
        self.events: list[list[tuple[float, set[str]]]] = [[] for _ in cookies]
        self.bytes = 0
        for n, cookie in enumerate(cookies):
            sock = socket.create_connection(("127.0.0.1", PORT))
            sock.sendall(
                f"GET /desk/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                f"Cookie: {cookie}\r\n\r\n".encode()
            )
            sock.setblocking(False)
            self.buffers[n] = bytearray()
            self.selector.register(sock, selectors.EVENT_READ, n)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stop.is_set():
            for key, _mask in self.selector.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                now = time.perf_counter()
                n = key.data
                if not data:
                    self.selector.unregister(key.fileobj)
                    continue
                self.bytes += len(data)
                buffer = self.buffers[n]
                buffer += data
                if n not in self.started and b"retry:" in buffer:
                    self.started.add(n)
                for match in self.EVENT.finditer(buffer):
                    self.events[n].append((now, set(match.group(1).decode().split())))
                last = buffer.rfind(b"\n\n")
                if last >= 0:
                    del buffer[: last + 2]

    def close(self):
        self.stop.set()
        self.thread.join(5)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()


def live_phase(app, agency_id, clients, cookies, master):
    from agency.domains.calls import history
    from agency.domains.work.creation import create_item
    from tenants import use_agency

    streams = Streams(cookies)
    deadline = time.monotonic() + 120
    while len(streams.started) < DESKS and time.monotonic() < deadline:
        time.sleep(0.2)
    if len(streams.started) < DESKS:
        raise SystemExit(f"only {len(streams.started)} of {DESKS} streams opened")
    time.sleep(2)  # the stats of the connections' first reads settle
    cpu0, xact0, bytes0 = cpu_seconds(master), transactions(), streams.bytes
    time.sleep(IDLE_SECONDS)
    time.sleep(1)  # the statistics collector flushes about every second
    cpu1, xact1, bytes1 = cpu_seconds(master), transactions(), streams.bytes
    idle = {
        "cpu": cpu1 - cpu0,
        "xacts": xact1 - xact0,
        "bytes": bytes1 - bytes0,
    }

    made = []  # (topic, committed at)
    rng = random.Random(7)
    with use_agency(agency_id):
        for n in range(CHANGES):
            client_id = clients[rng.randrange(len(clients))]
            if n % 2 == 0:
                create_item({"client_id": client_id, "kind": "task", "title": f"Live {n}"})
                made.append((f"c:{client_id}", time.perf_counter()))
            else:
                history.record_call(
                    {"call_sid": f"CAbench{n:06d}", "client_id": client_id,
                     "from_number": "+442079460999", "to_number": "+442079460100",
                     "action": "ring_secretaries", "rule": "default"}
                )  # fmt: skip
                made.append((f"call:{client_id}", time.perf_counter()))
            time.sleep(0.05)
    time.sleep(2)
    streams.close()

    latencies, lost = [], 0
    for topic, committed in made:
        client_id = int(topic.rpartition(":")[2])
        first = clients.index(client_id) * 5
        for desk in range(first, first + 5):
            seen = [t for t, topics in streams.events[desk] if topic in topics and t >= committed]
            if seen:
                latencies.append(seen[0] - committed)
            else:
                lost += 1
    stray = sum(
        1
        for desk, events in enumerate(streams.events)
        for _t, topics in events
        for topic in topics
        if topic.split(":")[-1].isdigit() and clients.index(int(topic.split(":")[-1])) != desk // 5
    )
    return idle, latencies, lost, stray


def poll_phase(agency_id, clients, cookies, master):
    from agency.domains.work.creation import create_item
    from tenants import use_agency

    stop = threading.Event()
    firsts: dict[tuple[int, str], float] = {}
    sizes = []
    lock = threading.Lock()
    desks = list(range(0, DESKS, max(1, DESKS // POLL_DESKS)))[:POLL_DESKS]

    def poll(desk: int):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=15)
        while not stop.is_set():
            began = time.perf_counter()
            connection.request("GET", "/desk/queue", headers={"Cookie": cookies[desk]})
            response = connection.getresponse()
            body = response.read()
            now = time.perf_counter()
            with lock:
                sizes.append(len(body))
                for title in re.findall(rb">(Polled \d+)<", body):
                    firsts.setdefault((desk, title.decode()), now)
            stop.wait(max(0.0, 1.0 - (now - began)))
        connection.close()

    threads = [threading.Thread(target=poll, args=(d,), daemon=True) for d in desks]
    for thread in threads:
        thread.start()
    time.sleep(3)
    cpu0, xact0 = cpu_seconds(master), transactions()
    made = []
    with use_agency(agency_id):
        for n in range(POLL_CHANGES):
            desk = desks[n % len(desks)]
            create_item({"client_id": clients[desk // 5], "kind": "task", "title": f"Polled {n}"})
            made.append((desk, f"Polled {n}", time.perf_counter()))
            time.sleep((POLL_SECONDS - 5) / POLL_CHANGES)
    time.sleep(5)
    time.sleep(1)
    cpu1, xact1 = cpu_seconds(master), transactions()
    stop.set()
    for thread in threads:
        thread.join(20)
    latencies = [firsts[(d, t)] - c for d, t, c in made if (d, t) in firsts]
    seconds = POLL_SECONDS + 1
    return {
        "desks": len(desks),
        "cpu": cpu1 - cpu0,
        "xacts": xact1 - xact0,
        "seconds": seconds,
        "bytes": statistics.median(sizes) if sizes else 0,
        "latencies": latencies,
        "lost": len(made) - len(latencies),
    }


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * DESKS + 256)), hard))
    claim_redis(REDIS, MARK)
    app, agency_id, clients, cookies = setup()
    process = serve("bench.desk_live:product_app()", PORT, workers=1, threads=DESKS + 100)
    try:
        idle, latencies, lost, stray = live_phase(app, agency_id, clients, cookies, process.pid)
        poll = poll_phase(agency_id, clients, cookies, process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        app.extensions["redis"].flushdb()
    minutes = IDLE_SECONDS / 60
    live_cpu = idle["cpu"] / DESKS / minutes
    poll_minutes = poll["seconds"] / 60
    poll_cpu = poll["cpu"] / poll["desks"] / poll_minutes
    median = statistics.median(latencies) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    print(load_line())
    print(
        f"live {DESKS} desks idle {IDLE_SECONDS} s: web CPU {idle['cpu']:.2f} s "
        f"({100 * idle['cpu'] / IDLE_SECONDS:.1f} % of a core), "
        f"{idle['xacts'] / DESKS / minutes:.2f} database transactions per desk-minute, "
        f"{idle['bytes'] / DESKS / minutes:.0f} bytes per desk-minute"
    )
    print(
        f"live {CHANGES} changes → {len(latencies)} deliveries to the desks of their client: "
        f"median {median:.1f} ms, p99 {p99:.1f} ms, {lost} lost, {stray} to other desks"
    )
    print(
        f"poll {poll['desks']} desks for {poll['seconds']} s: web CPU {poll['cpu']:.2f} s "
        f"({100 * poll['cpu'] / poll['seconds']:.1f} % of a core), "
        f"{poll['xacts'] / poll['desks'] / poll_minutes:.1f} database transactions per "
        f"desk-minute, {poll['bytes'] / 1024:.1f} KB an answer; delivery median "
        f"{statistics.median(poll['latencies']) * 1000:.0f} ms, "
        f"p99 {percentile(poll['latencies'], 0.99) * 1000:.0f} ms, {poll['lost']} not seen"
    )
    print(
        f"desk_live: p99={p99:.1f} ms median={median:.1f} ms, idle CPU "
        f"{live_cpu * 1000:.2f} ms and {idle['xacts'] / DESKS / minutes:.2f} transactions per "
        f"desk-minute, ratio={live_cpu / poll_cpu:.4f} (web CPU per desk-minute, live stream "
        f"vs one-second full poll: {live_cpu * 1000:.2f} vs {poll_cpu * 1000:.0f} ms)"
    )
    if lost or stray:
        raise SystemExit(f"{lost} deliveries lost, {stray} to desks that do not show them")


if __name__ == "__main__":
    main()
