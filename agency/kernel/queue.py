"""The queue API every domain uses: queues by urgency (workers take them in this order),
enqueueing at once or after the transaction commits, each job naming its agency. The jobs
themselves are `workers.jobs`, named by their dotted path."""

import time

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import event

from agency.kernel.database import db
from agency.kernel.retries import RETRY
from tenants import current_agency_id

QUEUE_NAMES = ("realtime", "default", "mail", "bulk", "billing")


def redis_connection() -> Redis:
    return current_app.extensions["redis"]


def get_queue(name: str) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=redis_connection())


def _meta(agency_id: int | None) -> dict | None:
    agency_id = agency_id if agency_id is not None else current_agency_id()
    return {"agency_id": agency_id} if agency_id is not None else None


def enqueue(
    func: str,
    *args,
    queue: str = "default",
    job_id: str | None = None,
    agency_id: int | None = None,
):
    """Put a job on a queue now, retried with back-off on transient failures; its meta
    names the agency it works for (the worker's tenant, and whose failed jobs it is):
    ``agency_id``, else the current tenant."""
    meta = _meta(agency_id)
    target = get_queue(queue)
    with target.connection.pipeline() as pipe:  # one round trip, not one per step
        job = target.enqueue(func, *args, job_id=job_id, retry=RETRY, meta=meta, pipeline=pipe)
        pipe.execute()
    return job


def enqueue_in(delay, func: str, *args, queue: str = "default", agency_id: int | None = None):
    """Schedule a job for ``delay`` (a timedelta) from now; a worker's scheduler moves it
    to its queue when it is due. Retried like ``enqueue``."""
    meta = _meta(agency_id)
    return get_queue(queue).enqueue_in(delay, func, *args, retry=RETRY, meta=meta)


def enqueue_after_commit(
    func: str,
    *args,
    queue: str = "default",
    job_id: str | None = None,
    unless_pending: tuple[str, int] | None = None,
):
    """Enqueue once the current transaction commits, so the job never races its row;
    the job works for the current agency. With ``unless_pending`` (a Redis key and its
    lifetime in seconds), the job is enqueued only if it can set that key, which was not
    set: the job deletes the key itself when it starts, so at most one such job waits."""
    session = db.session()
    pending = (func, args, queue, job_id, current_agency_id(), unless_pending)
    session.info.setdefault("pending_jobs", []).append(pending)


def _after_commit(session) -> None:
    """The rows are committed; a queue that is away must not turn that into an error."""
    pending = session.info.pop("pending_jobs", [])
    for func, args, queue, job_id, agency_id, unless_pending in pending:
        try:
            if unless_pending is not None:
                key, seconds = unless_pending
                if not redis_connection().set(key, "1", nx=True, ex=seconds):
                    continue  # a job that has not started yet will see these rows
            enqueue(func, *args, queue=queue, job_id=job_id, agency_id=agency_id)
        except RedisError:
            current_app.logger.exception("could not enqueue %s%r on %s", func, args, queue)


# One job for many rows, one at a time per key. The rows' writers enqueue the job after
# their commit only when they can set the key (``enqueue_after_commit`` with
# ``unless_pending``); the job holds the key while it works (``drain_holding``): it works
# off what waits, waits a moment (LINGER_SECONDS) for what comes in meanwhile and works
# that off, for at most DRAIN_SECONDS; then it deletes the key (D) and looks once more
# (F; every read a fresh snapshot). If something waits, it sets the key again and
# enqueues its successor, or finds the key set by a writer who enqueued one. For a row
# written (commit C, then SET S), some job reads it after C, whatever the interleaving:
# - S sets the key: S enqueues a job, whose reads all come after S, after C.
# - S fails: the key was held by a job (or the successor a job enqueued) that has not
#   passed D yet; its D comes after S, and its F after D: F sees the row, and either
#   that job enqueues a successor (whose reads come later still) or a writer set the
#   key after D and enqueued one.
# - A job that runs again after a crash (the SIGKILL case) works off what is left: it
#   waits on any row still locked, and its own D and F follow.
# - The key is given its lifetime again while a job holds it, so it expires only when
#   its holder is gone (a job lost, or failed for good, or Redis failing between S and
#   the enqueue): it lasts PENDING_SECONDS at most, and each user of the mechanism has
#   the minute tick enqueue a job for rows left waiting longer than that.
PENDING_SECONDS = 60
LINGER_SECONDS = 0.02
DRAIN_SECONDS = 1.0


def drain_holding(key: str, step, waiting, successor: tuple, linger: float = LINGER_SECONDS) -> int:
    """The body of such a job: ``step()`` (how many rows it took) until nothing more
    comes in for a moment (``linger`` seconds) or DRAIN_SECONDS pass; then release
    ``key`` and, if ``waiting()``, enqueue ``successor`` (func, args, queue, agency id)
    unless a writer did. How many rows were taken in all."""
    redis = redis_connection()
    started = time.monotonic()
    taken = step()
    while time.monotonic() - started < DRAIN_SECONDS:
        time.sleep(linger)  # writers meanwhile find the key held: no job each
        more = step()
        if not more:
            break
        taken += more
        redis.expire(key, PENDING_SECONDS)
    redis.delete(key)
    func, args, queue, agency_id = successor
    if waiting() and redis.set(key, "1", nx=True, ex=PENDING_SECONDS):
        enqueue(func, *args, queue=queue, agency_id=agency_id)
    return taken


def _after_rollback(session) -> None:
    session.info.pop("pending_jobs", None)


def install(session_class) -> None:
    if not event.contains(session_class, "after_commit", _after_commit):
        event.listen(session_class, "after_commit", _after_commit)
        event.listen(session_class, "after_rollback", _after_rollback)
