"""The connections of the hot path (`database.call_in_autocommit`): driver connections in
autocommit, each used for one statement and handed back.

A statement on the hot path is one round trip of a few hundred microseconds, so what a
checkout costs shows in the figures: through SQLAlchemy's pool (a fairy and a record per
checkout, events, a condition per queue) the desks' claims came to about 0.68 of a bare
loop, as they did through psycopg's own pool; through this one, 0.71 to 0.77
(`bench/claim.py`). It keeps only what the hot path needs: at most ``size`` connections
open (the app's pool size and overflow) and ``keep`` of them idle (its pool size), the
most recently used handed out first (so a quiet process keeps one warm connection rather
than cycling through all), each replaced after ``recycle`` seconds, none shared with a
forked child, and a connection that failed never handed out again.
"""

import os
import queue
import threading
import time

import psycopg


class PoolTimeout(TimeoutError):
    """Every connection was in use for longer than the pool waits (a passing failure: a
    job that meets it is retried, as with the app's own pool)."""


class HotPool:
    def __init__(
        self,
        connect_args: dict,
        size: int = 15,
        keep: int = 5,
        timeout: float = 30.0,
        recycle: float | None = None,
    ):
        """``connect_args``: what ``psycopg.connect`` takes; at most ``size`` connections
        open at once, at most ``keep`` of them kept open while unused."""
        self.connect_args = dict(connect_args)
        self.size = size
        self.keep = keep
        self.timeout = timeout
        self.recycle = recycle if recycle is not None and recycle >= 0 else None
        self._reset()

    def _reset(self) -> None:
        """A fresh pool: no connection, ``size`` free places (in a new process, the
        parent's connections are left to the parent, not closed)."""
        self.pid = os.getpid()
        self._lock = threading.Lock()
        self._idle: list[tuple[psycopg.Connection, float]] = []  # (connection, opened)
        self._places: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(self.size):
            self._places.put(None)
        self._generation = object()

    def idle(self) -> int:
        """How many open connections wait to be used."""
        return len(self._idle)

    def run(self, sql: str, params: tuple):
        """The first row of one statement, or None. A connection the statement failed on
        for a reason of the connection's (``psycopg.OperationalError``), or that was
        interrupted mid-statement, is closed; one whose statement was refused is kept."""
        if self.pid != os.getpid():
            self._reset()
        places, generation = self._places, self._generation
        try:
            places.get(timeout=self.timeout)
        except queue.Empty:
            raise PoolTimeout(
                f"all {self.size} hot-path connections were busy for {self.timeout} s"
            ) from None
        try:
            connection, opened = self._take()
            try:
                row = connection.execute(sql, params).fetchone()
            except psycopg.OperationalError:
                connection.close()
                raise
            except psycopg.Error:  # the statement's fault: the connection is sound
                self._give_back(connection, opened, generation)
                raise
            except BaseException:  # interrupted mid-statement: its state is unknown
                connection.close()
                raise
            self._give_back(connection, opened, generation)
            return row
        finally:
            places.put(None)

    def _take(self) -> tuple[psycopg.Connection, float]:
        with self._lock:
            found = self._idle.pop() if self._idle else None
        if found is not None:
            connection, opened = found
            if self.recycle is None or time.monotonic() - opened < self.recycle:
                return found
            connection.close()
        connection = psycopg.connect(autocommit=True, **self.connect_args)
        return connection, time.monotonic()

    def _give_back(self, connection, opened: float, generation) -> None:
        with self._lock:
            current = generation is self._generation and not connection.closed
            if current and len(self._idle) < self.keep:
                self._idle.append((connection, opened))
                return
        connection.close()  # one more than it keeps, or the pool was disposed meanwhile

    def dispose(self) -> None:
        """Close every waiting connection; those in use are closed when they come back."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._generation = object()
        if self.pid == os.getpid():
            for connection, _opened in idle:
                connection.close()
