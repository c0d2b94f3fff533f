"""The lines the voice webhook answers, kept in each web process between calls.

A ringing phone is answered from what its line was at the last change: each process
keeps the lines it read (by number and UTC day, since a line brings its desks'
calendars around that day) and drops an agency's lines the moment PostgreSQL says that
agency changed something a line is made of. Triggers on those tables (migration
``0021_line_changes``) ``NOTIFY secretariat_lines`` with the agency's id when the change
commits; a thread of each process ``LISTEN``\\s on its own connection.

Nothing is kept while that connection is not listening (at start, and after it broke:
every kept line is dropped then, as changes may have been missed), and a line is never
kept longer than ``HOLD_SECONDS`` either way. A line read while a change of its agency
came in is not kept: a change's notice may come between the read and the keeping.
"""

import contextlib
import logging
import os
import threading
import time
from collections.abc import Hashable
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event

from tenants import current_agency_id

CHANNEL = "secretariat_lines"
# The tables a line is made of (what ``voice_line`` reads), each with its agency's
# column: the same as the triggers' in migration 0021_line_changes.
LINE_TABLES = {
    "agencies": "id",
    "phone_numbers": "agency_id",
    "voice_settings": "agency_id",
    "clients": "agency_id",
    "call_rules": "agency_id",
    "contacts": "agency_id",
    "holidays": "agency_id",
    "assignments": "agency_id",
    "secretaries": "agency_id",
    "absences": "agency_id",
    "shift_overrides": "agency_id",
}
HOLD_SECONDS = 30.0
MOST_LINES = 5000
PING_SECONDS = 5.0
RETRY_SECONDS = 1.0
EVERY_AGENCY = "*"  # a notice for every agency (a table emptied at once)
LISTENER_NAME = "secretariat-line-listener"  # its connection's application_name

log = logging.getLogger(__name__)


class LineCache:
    """Kept values by key, each of an agency; only while ``listening``."""

    def __init__(self):
        self._lock = threading.Lock()
        self._kept: dict[Hashable, tuple[int, float, Any]] = {}
        self._changes = 0  # counts every notice: a read spanning one is not kept
        self.listening = False

    def changes(self) -> int:
        return self._changes

    def get(self, key: Hashable):
        if not self.listening:
            return None
        with self._lock:
            found = self._kept.get(key)
        if found is None or time.monotonic() - found[1] > HOLD_SECONDS:
            return None
        return found[2]

    def keep(self, key: Hashable, agency_id: int, value, changes_before: int) -> None:
        """Keep ``value`` unless a change came in since ``changes_before`` was read."""
        with self._lock:
            if not self.listening or self._changes != changes_before:
                return
            if len(self._kept) >= MOST_LINES:
                self._kept.clear()
            self._kept[key] = (agency_id, time.monotonic(), value)

    def changed(self, agency: str) -> None:
        """A notice: drop the agency's lines (``EVERY_AGENCY``: all of them)."""
        with self._lock:
            self._changes += 1
            if agency == EVERY_AGENCY or not agency.isdigit():
                self._kept.clear()
                return
            agency_id = int(agency)
            for key in [k for k, (a, _at, _v) in self._kept.items() if a == agency_id]:
                del self._kept[key]

    def stop_keeping(self) -> None:
        with self._lock:
            self.listening = False
            self._changes += 1
            self._kept.clear()

    def start_keeping(self) -> None:
        with self._lock:
            self._changes += 1
            self._kept.clear()
            self.listening = True


def listen(cache: LineCache, connect, stop: threading.Event) -> None:
    """Hold a connection that LISTENs, and tell ``cache`` of every notice, until ``stop``;
    ``connect()`` gives a new DB-API (psycopg) connection. A broken connection stops the
    keeping until a new one listens again."""
    while not stop.is_set():
        connection = None
        try:
            connection = connect()
            connection.autocommit = True
            connection.execute(f"LISTEN {CHANNEL}")
            cache.start_keeping()
            while not stop.is_set():
                heard = False
                for notice in connection.notifies(timeout=PING_SECONDS):
                    heard = True
                    cache.changed(notice.payload)
                if not heard:
                    connection.execute("SELECT 1")  # a connection that died says so here
        except Exception:  # any failure: stop keeping, then try again
            log.warning("the line cache stopped listening; lines are read afresh", exc_info=True)
        finally:
            cache.stop_keeping()
            if connection is not None:
                with contextlib.suppress(Exception):
                    connection.close()
        stop.wait(RETRY_SECONDS)


class ProcessLines:
    """The cache of this process and its listening thread, started on first use (so a
    process forked by gunicorn starts its own) and stopped with ``stop()``."""

    def __init__(self):
        self._pid = None
        self._cache = LineCache()
        self._stop = threading.Event()
        self._start_lock = threading.Lock()

    def cache(self, connect) -> LineCache:
        if self._pid != os.getpid():
            with self._start_lock:
                if self._pid != os.getpid():
                    self._cache, self._stop = LineCache(), threading.Event()
                    thread = threading.Thread(
                        target=listen,
                        args=(self._cache, connect, self._stop),
                        name="line-cache-listener",
                        daemon=True,
                    )
                    thread.start()
                    self._pid = os.getpid()
        return self._cache

    def current(self) -> LineCache | None:
        """This process's cache if it has started one."""
        return self._cache if self._pid == os.getpid() else None

    def stop(self) -> None:
        self._stop.set()
        self._cache.stop_keeping()
        self._pid = None


# --- this process's own changes, dropped at their commit ------------------------------
# A notice reaches the listening thread a moment after the commit; a change made in this
# very process drops its agency's lines at once, so its next call never sees the line
# as it was.


def _note_flush(session, _flush_context) -> None:
    touched = session.info.setdefault("line_agencies", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        column = LINE_TABLES.get(getattr(obj, "__tablename__", None))
        if column is not None:
            touched.add(getattr(obj, column))


def _note_bulk(state) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in LINE_TABLES:
        agency_id = current_agency_id()
        touched = state.session.info.setdefault("line_agencies", set())
        touched.add(EVERY_AGENCY if agency_id is None else agency_id)


def _drop_committed(session) -> None:
    touched = session.info.pop("line_agencies", None)
    if not touched:
        return

    lines = current_app.extensions.get("voice_lines") if has_app_context() else None
    cache = lines.current() if lines is not None else None
    if cache is not None:
        for agency in touched:
            cache.changed(str(agency))


def _forget(session) -> None:
    session.info.pop("line_agencies", None)


def install(session_class) -> None:
    if event.contains(session_class, "after_flush", _note_flush):
        return
    event.listen(session_class, "after_flush", _note_flush)
    event.listen(session_class, "do_orm_execute", _note_bulk)
    event.listen(session_class, "after_commit", _drop_committed)
    event.listen(session_class, "after_rollback", _forget)
