"""Which failures are worth another try.

A job that fails on something passing (the database or Redis away for a moment, a
deadlock, an SMTP server saying "try later", a worker killed under it) is retried
with back-off; anything else (a record gone, a mailbox that does not exist, a bug)
fails at once and waits in the console's failed jobs for a person. A record another
job is still writing is worth waiting for too.
"""

import smtplib

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Retry
from rq.exceptions import AbandonedJobError
from rq.timeouts import JobTimeoutException
from sqlalchemy import exc as sql

# At once (a worker that died under its job hands it on without waiting for a
# scheduler), then 30 s, 2 min, 10 min and 30 min: six attempts in about 45 minutes.
RETRY = Retry(max=5, interval=[0, 30, 120, 600, 1800])


class NotYetWritten(LookupError):
    """A record a job needs is still on its way (another job writes it): retried later."""


TRANSIENT = (
    NotYetWritten,
    sql.OperationalError,  # connection lost, server restarting, deadlock, lock timeout
    sql.TimeoutError,  # no pooled connection free in time
    RedisConnectionError,
    RedisTimeoutError,
    smtplib.SMTPServerDisconnected,
    ConnectionError,  # refused or reset: the server is away, not the message wrong
    TimeoutError,
    AbandonedJobError,  # the worker died mid-job
    JobTimeoutException,
)


class Gone(LookupError):
    """A record a job was given no longer exists: no retry can bring it back."""


def _smtp_transient(exc: smtplib.SMTPException) -> bool | None:
    """4xx replies are temporary, 5xx permanent; None when ``exc`` has no reply code."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return None


def is_transient(exc: BaseException | None) -> bool:
    """Whether retrying later may succeed; follows ``raise … from`` causes."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, sql.DBAPIError) and exc.connection_invalidated:
            return True
        if isinstance(exc, smtplib.SMTPException):
            verdict = _smtp_transient(exc)
            if verdict is not None:
                return verdict
        if isinstance(exc, TRANSIENT):
            return True
        exc = exc.__cause__
    return False
