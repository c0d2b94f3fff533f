"""Live pages: a change is told to the pages that show it within milliseconds, and a page
that asks whether anything changed is answered from Redis alone.

A change names *topics*, short strings its domain chooses ("c:12": the work of client
12; "s:4": the work of secretary 4). When its transaction commits, one round trip to
Redis raises each topic's version in the agency's hash and publishes the topics on the
agency's channel (the sending side: `agency.kernel.publishing`). A page either holds
a `Subscription` (Server-Sent Events, `stream`) and hears about its topics as they
change, or remembers the `versions` of its topics and asks again later: the same
versions mean nothing it shows has changed.

In each process one `Hub` thread reads every agency's channel and hands each message to
the subscriptions of the topics it names, so a thousand open pages cost one Redis
connection and no database at all while nothing happens. Without ``REDIS_URL`` the same
code runs on the in-process Redis the embedded worker uses.
"""

import contextlib
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import event

from agency.kernel.database import db
from agency.kernel.publishing import VERSIONS, pattern, publish_later
from tenants import current_agency_id

log = logging.getLogger(__name__)


# A topic every page of an agency listens to: who serves whom (or who may see what)
# changed, so a page's own list of topics may be out of date.
SCOPE = "scope"


def _redis() -> Redis:
    return current_app.extensions["redis"]


def touch(*topics: str, agency_id: int | None = None) -> None:
    """Mark ``topics`` changed once the current transaction commits (nothing, if it rolls
    back); in the current agency unless ``agency_id`` says which."""
    agency_id = agency_id if agency_id is not None else current_agency_id()
    if agency_id is None or not topics:
        return
    pending = db.session().info.setdefault("live_topics", {})
    pending.setdefault(agency_id, set()).update(t for t in topics if t)


def versions(agency_id: int, topics: list[str], connection: Redis | None = None) -> list:
    """The current version of each of ``topics`` (None for one never changed)."""
    connection = connection if connection is not None else _redis()
    return connection.hmget(VERSIONS.format(agency=agency_id), topics) if topics else []


def _after_commit(session) -> None:
    pending = session.info.pop("live_topics", None)
    if pending:
        for agency_id, topics in pending.items():
            publish_later(agency_id, topics)


def _after_rollback(session) -> None:
    session.info.pop("live_topics", None)


def install(session_class) -> None:
    if not event.contains(session_class, "after_commit", _after_commit):
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "after_rollback", _after_rollback)


class Subscription:
    """One page's interest in some topics of one agency. `wait` returns the topics that
    changed since the last call, or ``RESET`` when messages may have been lost (Redis
    was away): the page should then reload all it shows."""

    RESET = frozenset({"*"})

    def __init__(self, hub: "Hub", agency_id: int, topics: Iterable[str]):
        self.hub = hub
        self.agency_id = agency_id
        self.topics = frozenset(topics) | {SCOPE}
        self._changed: set[str] = set()
        self._reset = False
        self._ready = threading.Condition()

    def notify(self, topics: Iterable[str]) -> None:
        with self._ready:
            self._changed.update(topics)
            self._ready.notify()

    def lost(self) -> None:
        with self._ready:
            self._reset = True
            self._ready.notify()

    def wait(self, timeout: float) -> frozenset[str]:
        """What changed, waiting at most ``timeout`` seconds for something to (an empty
        set: nothing did)."""
        with self._ready:
            self._ready.wait_for(lambda: self._changed or self._reset, timeout)
            if self._reset:
                self._reset = False
                self._changed.clear()
                return self.RESET
            changed, self._changed = frozenset(self._changed), set()
            return changed

    def close(self) -> None:
        self.hub.remove(self)


class Hub:
    """The process's one reader of the agencies' channels. Its thread starts with the
    first subscription and keeps reading (reconnecting after a second when Redis goes
    away, and telling every subscription it may have missed something)."""

    POLL_SECONDS = 1.0

    def __init__(self, connection: Redis):
        self.connection = connection
        self.pid = os.getpid()
        self._by_topic: dict[tuple[int, str], set[Subscription]] = defaultdict(set)
        self._subscriptions: set[Subscription] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.listening = threading.Event()

    def subscribe(self, agency_id: int, topics: Iterable[str]) -> Subscription:
        subscription = Subscription(self, agency_id, topics)
        with self._lock:
            self._subscriptions.add(subscription)
            for topic in subscription.topics:
                self._by_topic[(agency_id, topic)].add(subscription)
            if self._thread is None or not self._thread.is_alive():
                self._stopping.clear()
                self._thread = threading.Thread(target=self._run, name="live-hub", daemon=True)
                self._thread.start()
        return subscription

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)
            for topic in subscription.topics:
                listeners = self._by_topic.get((subscription.agency_id, topic))
                if listeners is not None:
                    listeners.discard(subscription)
                    if not listeners:
                        del self._by_topic[(subscription.agency_id, topic)]

    def count(self) -> int:
        with self._lock:
            return len(self._subscriptions)

    def dispatch(self, channel: str, data: str) -> None:
        agency = channel.rpartition(":")[2]
        if not agency.isdigit():
            return
        agency_id, topics = int(agency), data.split()
        found: dict[Subscription, list[str]] = defaultdict(list)
        with self._lock:
            for topic in topics:
                for subscription in self._by_topic.get((agency_id, topic), ()):
                    found[subscription].append(topic)
        for subscription, named in found.items():
            subscription.notify(named)

    def _lost(self) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.lost()

    def _run(self) -> None:
        recovering = False
        while not self._stopping.is_set():
            pubsub = self.connection.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(pattern(self.connection))
                self.listening.set()
                if recovering:  # what was published while away is lost: reload
                    self._lost()
                    recovering = False
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=self.POLL_SECONDS)
                    if message is not None and message["type"] == "pmessage":
                        self.dispatch(_text(message["channel"]), _text(message["data"]))
            except (RedisError, OSError, ValueError):
                log.warning("live: lost the channel; listening again in a second")
                self.listening.clear()
                recovering = True
                self._stopping.wait(1.0)
            finally:
                with contextlib.suppress(RedisError, OSError):
                    pubsub.close()
        self.listening.clear()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        self._thread = None


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


_hub_lock = threading.Lock()


def hub(app=None) -> Hub:
    """This process's hub (a forked process makes its own: threads do not survive a
    fork)."""
    app = app or current_app._get_current_object()
    with _hub_lock:
        found = app.extensions.get("live_hub")
        if found is None or found.pid != os.getpid():
            found = app.extensions["live_hub"] = Hub(app.extensions["redis"])
        return found


def stop(app) -> None:
    """Stop the process's hub and publisher threads, if they run (tests, and a worker
    shutting down); what the publisher was handed is sent first."""
    for name in ("live_publisher", "live_hub"):
        found = app.extensions.pop(name, None)
        if found is not None and found.pid == os.getpid():
            found.stop()


def stream(
    subscription: Subscription, *, heartbeat: float = 20.0, lifetime: float = 3600.0
) -> Iterator[str]:
    """Server-Sent Events for ``subscription``: a ``change`` event naming the topics that
    changed (``*`` for all), a comment every ``heartbeat`` seconds so that a closed
    connection is noticed, and the end after ``lifetime`` (the browser reconnects, and
    the page's topics are read again)."""
    deadline = time.monotonic() + lifetime
    try:
        yield "retry: 1000\n\n"
        while time.monotonic() < deadline:
            changed = subscription.wait(heartbeat)
            if not changed:
                yield ": idle\n\n"
                continue
            yield f"event: change\ndata: {' '.join(sorted(changed))}\n\n"
            if SCOPE in changed:
                return  # the page's topics may have changed: reconnect to read them
    finally:
        subscription.close()
