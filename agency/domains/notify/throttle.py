"""Per-agency send rate: a fixed one-minute window counted in Redis.

Each send takes one from the agency's count of the current minute (``INCR`` on a key
named by the agency and the minute, expiring after two); over the agency's limit the
email is not sent and its job is scheduled again for the start of the next minute.
Whatever did not fit waits for a later minute the same way, so nothing is lost and
nothing fails because of the limit.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from agency.domains.mail.models import DEFAULT_SEND_PER_MINUTE, MailSettings
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.queue import enqueue_in

WINDOW_SECONDS = 60


def _window() -> tuple[int, float]:
    """The current minute's number and the seconds left in it."""
    stamp = clock.now().timestamp()
    number = int(stamp // WINDOW_SECONDS)
    return number, (number + 1) * WINDOW_SECONDS - stamp


def key_for(agency_id: int, window: int | None = None) -> str:
    return f"mail:send-rate:{agency_id}:{_window()[0] if window is None else window}"


def limit_for(agency_id: int) -> int:
    """The agency's emails per minute (its mail settings, or the default)."""

    found = db.session.scalar(
        select(MailSettings.send_per_minute).where(MailSettings.agency_id == agency_id)
    )
    return found or DEFAULT_SEND_PER_MINUTE


def take(agency_id: int) -> bool:
    """Whether one more email of the agency may leave in this minute (and count it)."""
    redis = current_app.extensions["redis"]
    window, _left = _window()
    key = key_for(agency_id, window)
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, 2 * WINDOW_SECONDS)
    count, _ok = pipe.execute()
    return count <= limit_for(agency_id)


def send_later(agency_id: int, email_id: int):
    """Schedule the email's delivery job again for the start of the next minute."""

    _window_number, left = _window()
    return enqueue_in(
        timedelta(seconds=left + 1),
        "workers.jobs.deliver_email",
        agency_id,
        email_id,
        queue="mail",
        agency_id=agency_id,
    )
