"""A fake of the telephony provider's REST API on loopback, for the calls the product makes:
Calls create and update, Messages create. It checks HTTP basic auth against the accounts it
is told of, records every request, and answers with JSON shaped like the provider's."""

import base64
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_PATH = r"^/2010-04-01/Accounts/(?P<account>AC\w+)"
ROUTES = (
    ("create_call", re.compile(ACCOUNT_PATH + r"/Calls\.json$")),
    ("update_call", re.compile(ACCOUNT_PATH + r"/Calls/(?P<sid>CA\w+)\.json$")),
    ("create_message", re.compile(ACCOUNT_PATH + r"/Messages\.json$")),
)


@dataclass
class Recorded:
    action: str
    path: str
    account: str
    form: dict  # name -> value (or a list of values when repeated)
    sid: str = ""


@dataclass
class FakeProvider:
    accounts: dict = field(default_factory=dict)  # account SID -> auth token
    requests: list = field(default_factory=list)
    gone_calls: set = field(default_factory=set)  # CallSids answered with a 404
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def clear(self) -> None:
        with self.lock:
            self.accounts.clear()
            self.requests.clear()
            self.gone_calls.clear()

    def of(self, action: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.action == action]

    def new_sid(self, prefix: str) -> str:
        return f"{prefix}{next(self.counter):032x}"


def _error(status: int, code: int, message: str) -> dict:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _resource(action: str, account: str, sid: str, form: dict) -> dict:
    uri = f"/2010-04-01/Accounts/{account}/{'Messages' if action == 'create_message' else 'Calls'}"
    common = {
        "sid": sid,
        "account_sid": account,
        "to": form.get("To"),
        "from": form.get("From"),
        "date_created": "Mon, 23 Nov 2026 16:00:00 +0000",
        "api_version": "2010-04-01",
        "uri": f"{uri}/{sid}.json",
    }
    if action == "create_message":
        return {**common, "body": form.get("Body"), "status": "queued", "direction": "outbound-api"}
    status = "queued" if action == "create_call" else form.get("Status", "in-progress")
    return {**common, "status": status, "direction": "outbound-api"}


def _handler(fake: FakeProvider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output quiet
            pass

        def _answer(self, status: int, body: dict) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _account(self) -> str | None:
            scheme, _sep, encoded = self.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "basic":
                return None
            try:
                user, _sep, password = base64.b64decode(encoded).decode().partition(":")
            except ValueError:
                return None
            return user if fake.accounts.get(user) == password else None

        def do_POST(self):  # noqa: N802 (the standard library's name)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(raw).items()}
            account = self._account()
            if account is None:
                return self._answer(401, _error(401, 20003, "Authenticate"))
            for action, pattern in ROUTES:
                found = pattern.match(self.path)
                if found is None:
                    continue
                if found["account"] != account:
                    return self._answer(403, _error(403, 20003, "Not your account"))
                sid = found.groupdict().get("sid") or fake.new_sid(
                    "SM" if action == "create_message" else "CA"
                )
                with fake.lock:
                    fake.requests.append(Recorded(action, self.path, account, form, sid))
                if sid in fake.gone_calls:
                    return self._answer(404, _error(404, 20404, "The call is not in progress"))
                status = 200 if action == "update_call" else 201
                return self._answer(status, _resource(action, account, sid, form))
            return self._answer(404, _error(404, 20404, "Not found"))

    return Handler


def start() -> tuple[ThreadingHTTPServer, FakeProvider, str]:
    """Serve on a free loopback port in a daemon thread; returns (server, fake, base URL)."""
    fake = FakeProvider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, fake, f"http://127.0.0.1:{server.server_address[1]}"
