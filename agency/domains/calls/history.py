"""The call records the voice webhooks leave behind, written by jobs, once per CallSid."""

import json
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agency.domains.billing import overage
from agency.domains.calls.models import Call, CallStatus
from agency.domains.hours.models import TimeEntry
from agency.domains.hours.services import record_span
from agency.domains.staff.models import Secretary
from agency.domains.work.live import call_topic
from agency.kernel import clock, live
from agency.kernel.database import db
from agency.kernel.queue import enqueue
from agency.kernel.retries import NotYetWritten
from tenants import require_agency_id

FINAL = {
    CallStatus.completed.value,
    CallStatus.busy.value,
    CallStatus.no_answer.value,
    CallStatus.failed.value,
    CallStatus.canceled.value,
}


class CallNotYetRecorded(NotYetWritten):
    """A callback arrived before the call's own record, which is not in the inbox either:
    the job is retried with back-off."""


# A ringing call's record waits on its agency's inbox list in Redis until a job writes
# it. The webhook enqueues the job when its call is the list's first: whatever is pushed
# after it is found by that job (which reads the list until it is empty), or, pushed
# once it is empty again, is first itself. A list a lost or failed job left behind is
# picked up by the minute tick.
INBOX_KEY = "secretariat:calls:inbox:{agency_id}"
INBOX_BATCH = 200


def log_ringing(agency_id: int, call: dict) -> None:
    """From the voice webhook: append the call to the agency's inbox, one RPUSH, and
    enqueue the job that writes it when the inbox was empty. While calls come quickly
    one job writes them all, where a job per call costs an RQ enqueue each."""

    redis = current_app.extensions["redis"]
    if redis.rpush(INBOX_KEY.format(agency_id=agency_id), json.dumps(call)) == 1:
        enqueue("workers.jobs.record_calls", agency_id, queue="realtime", agency_id=agency_id)


def record_inbox(agency_id: int) -> int:
    """The job: write every call waiting in the agency's inbox, oldest first, until it is
    empty; how many. A record leaves the list only once written, so a worker killed
    midway loses none, and writing one again changes nothing (one row per CallSid)."""
    redis = current_app.extensions["redis"]
    key = INBOX_KEY.format(agency_id=agency_id)
    written = 0
    while batch := redis.lrange(key, 0, INBOX_BATCH - 1):
        write_from_inbox(key, batch)
        written += len(batch)
    return written


def write_from_inbox(key: str, batch: list[bytes]) -> None:
    """Write the records read off the inbox, then take exactly those off it (one each):
    a second job that read the same head meanwhile removes nothing more, so a call
    pushed after either read stays for the next one."""
    for raw in batch:
        record_call(json.loads(raw))
    redis = current_app.extensions["redis"]
    with redis.pipeline(transaction=False) as pipe:
        for raw in batch:
            pipe.lrem(key, 1, raw)
        pipe.execute()


def inbox_waiting(agency_id: int) -> bool:
    """True when calls wait in the inbox (the minute tick's check, for an inbox a lost
    job left behind; a job running meanwhile is harmless, each removes what it wrote)."""
    redis = current_app.extensions["redis"]
    return bool(redis.llen(INBOX_KEY.format(agency_id=agency_id)))


def find(call_sid: str) -> Call | None:
    return db.session.scalar(select(Call).where(Call.call_sid == call_sid))


def record_call(call: dict) -> Call:
    """The call as the webhook decided it; the same CallSid again changes nothing."""
    found = find(call["call_sid"])
    if found is not None:
        return found
    row = Call(**call, status=CallStatus.ringing.value, started_at=clock.now())
    db.session.add(row)
    _tell_desks(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return find(call["call_sid"])
    return row


def _waiting(call_sid: str) -> dict | None:
    """The call as the webhook left it in the current agency's inbox, if it waits there."""
    redis = current_app.extensions["redis"]
    key = INBOX_KEY.format(agency_id=require_agency_id())
    start = 0
    while batch := redis.lrange(key, start, start + INBOX_BATCH - 1):
        for raw in batch:
            call = json.loads(raw)
            if call.get("call_sid") == call_sid:
                return call
        start += len(batch)
    return None


def recorded(call_sid: str) -> Call | None:
    """The call's record; one still waiting in the inbox is written now, so a callback that
    overtakes the inbox's job does not wait for it (the job writes it again: no change)."""
    found = find(call_sid)
    if found is not None:
        return found
    waiting = _waiting(call_sid)
    # Not in the list: the inbox's job may have written it meanwhile.
    return record_call(waiting) if waiting is not None else find(call_sid)


def _required(call_sid: str) -> Call:
    call = recorded(call_sid)
    if call is None:
        raise CallNotYetRecorded(call_sid)
    return call


def call_answered(call_sid: str, answered_by: str, seconds: int | None) -> Call:
    """Someone took the call (the client, or a secretary); a secretary's time is billed."""
    call = _required(call_sid)
    if call.answered_by is None:
        call.answered_by = answered_by
        call.answered_seconds = seconds
    _bill(call)
    _tell_desks(call)
    db.session.commit()
    return call


def secretary_answered(call_sid: str, secretary_id: int, leg_sid: str) -> Call:
    """A secretary's phone picked up (their whisper was fetched): who, and which leg, so the
    call's time is theirs and a put-through can move that leg. The latest answer counts."""

    call = _required(call_sid)
    if db.session.get(Secretary, secretary_id) is None:
        return call
    call.answered_by_secretary_id = secretary_id
    call.secretary_leg_sid = leg_sid
    if call.time_entry_id is not None:  # billed before this job ran
        entry = db.session.get(TimeEntry, call.time_entry_id)
        if entry is not None and entry.secretary_id is None:
            entry.secretary_id = secretary_id
    _tell_desks(call)
    db.session.commit()
    return call


def call_ended(call_sid: str, status: str, duration_seconds: int | None) -> Call:
    """The status callback: the outcome and duration, recorded once."""
    call = _required(call_sid)
    if call.status in FINAL:
        return call
    call.status = status
    if status in FINAL:
        call.duration_seconds = duration_seconds
        call.ended_at = clock.now()
    _bill(call)
    _tell_desks(call)
    db.session.commit()
    return call


def _tell_desks(call: Call) -> None:
    """The desks of the call's client show it (ringing, answered, gone) once this commits."""
    live.touch(call_topic(call.client_id))


def _bill(call: Call) -> None:
    """A call a secretary answered is time on the client's contract, entered once, as that
    secretary's; a call only the client (or the voicemail) took is no one's time."""

    if call.answered_by != "secretary" or call.time_entry_id is not None or not call.ended_at:
        return
    seconds = call.answered_seconds or call.duration_seconds or 0
    if seconds <= 0:
        return

    beyond_approval = overage.refusal(call.client_id) is not None
    entries = record_span(
        call.client_id,
        call.ended_at - timedelta(seconds=seconds),
        call.ended_at,
        secretary_id=call.answered_by_secretary_id,
        source="call",
    )
    for entry in entries:
        entry.unapproved_overage = beyond_approval
    db.session.flush()
    call.time_entry_id = entries[0].id


def live_calls(client_ids: list[int]) -> list[Call]:
    """Calls still ringing or in progress for these clients (the desk's screen pops)."""
    if not client_ids:
        return []
    since = clock.now() - timedelta(hours=2)
    return db.session.scalars(
        select(Call)
        .where(
            Call.client_id.in_(client_ids),
            Call.status.in_([CallStatus.ringing.value, CallStatus.in_progress.value]),
            Call.started_at >= since,
        )
        .order_by(Call.started_at.desc())
    ).all()


def caller_history(client_id: int, number: str, before: int, limit: int = 5) -> list[Call]:
    """The caller's earlier calls to this client, newest first (the screen pop's history)."""
    return db.session.scalars(
        select(Call)
        .where(Call.client_id == client_id, Call.from_number == number, Call.id != before)
        .order_by(Call.started_at.desc(), Call.id.desc())
        .limit(limit)
    ).all()


def calls(client_id: int | None = None, limit: int = 200) -> list[Call]:
    statement = select(Call).order_by(Call.started_at.desc(), Call.id.desc()).limit(limit)
    if client_id is not None:
        statement = statement.where(Call.client_id == client_id)
    return db.session.scalars(statement).all()
