"""The sending side of the live pages (`agency.kernel.live`): where a change goes in
Redis (the agency's channel and its hash of versions), and this process's publishing
thread, which sends the changes commits hand it without making them wait."""

import atexit
import logging
import os
import threading
import time
from collections.abc import Iterable

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Pub/sub channels are the Redis server's, not a database's: the channel names the
# database too, so apps on other databases of the same server never hear these.
CHANNEL = "live:{db}:{agency}"
PATTERN = "live:{db}:*"
VERSIONS = "live:v:{agency}"


def _db(connection: Redis) -> int:
    return int(connection.connection_pool.connection_kwargs.get("db") or 0)


def channel(connection: Redis, agency_id: int) -> str:
    return CHANNEL.format(db=_db(connection), agency=agency_id)


def pattern(connection: Redis) -> str:
    """Every agency's channel on this Redis database (what a process's hub listens to)."""
    return PATTERN.format(db=_db(connection))


def _send(connection: Redis, changes: dict[int, set[str]]) -> bool:
    """Raise the versions of the changed topics and tell each agency's listeners, in one
    round trip. False when Redis could not be reached (the changes themselves stand)."""
    changes = {agency: sorted(topics) for agency, topics in changes.items() if topics}
    if not changes:
        return True
    try:
        with connection.pipeline(transaction=False) as pipe:
            for agency_id, topics in changes.items():
                key = VERSIONS.format(agency=agency_id)
                for topic in topics:
                    pipe.hincrby(key, topic, 1)
                pipe.publish(channel(connection, agency_id), " ".join(topics))
            pipe.execute()
    except RedisError:
        log.warning("live: could not publish the changes of agencies %s", sorted(changes))
        return False
    return True


def publish_later(agency_id: int, topics: Iterable[str]) -> None:
    """Hand ``topics`` to this process's publisher and go on: a commit does not wait for
    Redis (see `Publisher`)."""
    publisher().put(agency_id, topics)


# How long the publisher gathers changes after the first before it sends them: a burst
# of commits (claims from many desks) then costs one round trip, and one wake-up of the
# thread, instead of one each; a page hears of a change this much later at most.
LINGER_SECONDS = 0.01


class Publisher:
    """This process's publishing thread. A commit hands its changed topics over and goes
    on; the thread sends all that has gathered within ``LINGER_SECONDS`` of the first in
    one round trip (versions raised, then published), so a burst of commits costs Redis
    a few pipelines rather than one each, and a claim does not wait for Redis. Only the
    first change of a batch wakes the thread. `flush` sends at once and waits until all
    handed over is sent (a job's end, a process's exit, a test)."""

    def __init__(self, connection: Redis, linger: float = LINGER_SECONDS):
        self.connection = connection
        self.pid = os.getpid()
        self.linger = linger
        self._pending: dict[int, set[str]] = {}
        self._sending = False
        self._idle = False  # waiting for a first change: a change must wake it
        self._hurry = False  # a flush waits: send without lingering
        self._stopped = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="live-publisher", daemon=True)
        self._thread.start()

    def put(self, agency_id: int, topics: Iterable[str]) -> None:
        with self._changed:
            self._pending.setdefault(agency_id, set()).update(t for t in topics if t)
            if self._idle:
                self._changed.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._changed:
            if self._pending:
                self._hurry = True
                self._changed.notify_all()
            while self._pending or self._sending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
        return True

    def stop(self) -> None:
        self.flush(2.0)
        with self._changed:
            self._stopped = True
            self._changed.notify_all()
        self._thread.join(2.0)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._idle = True
                while not self._pending and not self._stopped:
                    self._changed.wait()
                self._idle = False
                if not self._pending:
                    return
                self._gather()
                batch, self._pending, self._sending = self._pending, {}, True
            try:
                _send(self.connection, batch)
            finally:
                with self._changed:
                    self._sending = False
                    self._changed.notify_all()

    def _gather(self) -> None:
        """With the lock held: let more changes join the first, for ``linger`` seconds
        or until a flush or stop hurries the thread."""
        deadline = time.monotonic() + self.linger
        while not (self._hurry or self._stopped):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._changed.wait(left)
        self._hurry = False


_publisher_lock = threading.Lock()


def publisher(app=None) -> Publisher:
    """This process's publisher (a forked process starts its own)."""
    app = app or current_app._get_current_object()
    with _publisher_lock:
        found = app.extensions.get("live_publisher")
        if found is None or found.pid != os.getpid():
            found = app.extensions["live_publisher"] = Publisher(app.extensions["redis"])
            atexit.register(found.flush, 1.0)
        return found


def flush(app=None, timeout: float = 5.0) -> bool:
    """Wait until this process's publisher has sent what it was handed (none: at once)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("live_publisher")
    return found is None or found.pid != os.getpid() or found.flush(timeout)
