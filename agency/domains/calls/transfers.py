"""Warm put-throughs: the secretary who answered presses "Put through" on the desk; a job
moves the caller and the secretary into the call's conference and rings the client into it
with a whisper of who calls; if the client does not answer, the caller goes back to the
secretaries (or voicemail).

Every step is written before the provider is asked, so a retried job resumes where it
stopped and the voice webhook, reading the same row, knows the caller is being put through.
"""

from flask import current_app
from flask_babel import gettext as _
from requests import RequestException
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException

from agency.domains.calls import history, provider, services, twiml
from agency.domains.calls.models import Call, TransferMode, TransferStatus
from agency.domains.staff.models import Secretary
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotAllowed
from agency.kernel.links import external_url
from agency.kernel.queue import enqueue_after_commit

# While the caller is in (or on the way to) the conference, the Dial that the secretary's
# leg leaves answers with the conference, not a hang-up.
IN_CONFERENCE = {
    TransferStatus.moving.value,
    TransferStatus.ringing.value,
    TransferStatus.connected.value,
}
# A put-through may be asked for again after these.
RETRYABLE = {None, TransferStatus.no_answer.value, TransferStatus.failed.value}
CLIENT_DID_NOT_ANSWER = {"no-answer", "busy", "failed", "canceled"}
# The provider refused, or could not be reached: the job does not retry a step whose
# outcome the webhooks already act on.
PROVIDER_ERRORS = (TwilioRestException, RequestException)


def labels() -> dict[str, str]:
    """How a put-through is going, in the desk's words."""
    return {
        TransferStatus.requested.value: _("Putting the caller through…"),
        TransferStatus.moving.value: _("Putting the caller through…"),
        TransferStatus.ringing.value: _("The client's phone is ringing; the caller is on hold."),
        TransferStatus.connected.value: _(
            "The client answered: announce the caller, then hang up."
        ),
        TransferStatus.no_answer.value: _("The client did not answer: the caller is back with us."),
        TransferStatus.failed.value: _("The put-through failed."),
    }


def can_put_through(call: Call, secretary: Secretary | None) -> bool:
    """What the desk shows the button for: this secretary's live warm call, not under way."""
    return (
        secretary is not None
        and call.transfer_mode == TransferMode.warm.value
        and call.answered_by_secretary_id == secretary.id
        and call.status not in history.FINAL
        and call.transfer_status in RETRYABLE
    )


def request_put_through(call: Call, secretary: Secretary | None) -> Call:
    """The desk's (or the API's) "Put through": checked here, carried out by a job."""
    if call.transfer_mode != TransferMode.warm.value:
        raise Conflict(_("This call is not one to put through to the client."))
    if call.status in history.FINAL:
        raise Conflict(_("This call has ended."))
    if secretary is None or call.answered_by_secretary_id != secretary.id:
        raise NotAllowed(_("Only the secretary on this call can put it through."))
    if call.transfer_status not in RETRYABLE:
        raise Conflict(_("This call is already being put through."))
    if not provider.can_call_out(services.voice_settings()):
        raise Conflict(_("Set the telephony account SID and auth token first."))
    call.transfer_status = TransferStatus.requested.value
    enqueue_after_commit("workers.jobs.put_through", call.agency_id, call.id, queue="realtime")
    db.session.commit()
    return call


def in_conference(call_sid: str) -> bool:
    """The voice webhook's question: is this caller being put through right now?"""
    status = db.session.scalar(select(Call.transfer_status).where(Call.call_sid == call_sid))
    return status in IN_CONFERENCE


def _hook(endpoint: str, of_call: Call, **params) -> str:
    """A voice hook's public URL, carrying the line (a leg's own To may be another phone)."""
    return external_url(f"hooks_voice.{endpoint}", line=of_call.to_number, **params)


def _set(call: Call, status: TransferStatus) -> None:
    call.transfer_status = status.value
    db.session.commit()


def put_through(call_id: int) -> str | None:
    """The job: move both legs into the conference, then ring the client into it.
    Returns the client leg's CallSid (None when there is nothing to do)."""
    call = db.session.get(Call, call_id)
    resumable = {TransferStatus.requested.value, TransferStatus.moving.value}
    if call is None or call.transfer_status not in resumable or not call.secretary_leg_sid:
        return None
    settings = services.voice_settings()
    line = services.line_for(call.client, clock.now())
    if not provider.can_call_out(settings) or not line.client_phone:
        _set(call, TransferStatus.failed)
        return None
    rest = provider.rest_client(settings)
    _set(call, TransferStatus.moving)
    try:
        # The secretary's leg is moved into the conference. That ends the caller's Dial,
        # whose action hook then moves the caller in too (see IN_CONFERENCE): redirecting
        # the caller's own leg instead would hang up the secretary's.
        rest.calls(call.secretary_leg_sid).update(twiml=twiml.secretary_waits(call.call_sid))
    except PROVIDER_ERRORS as exc:
        current_app.logger.warning("put-through of call %s refused: %s", call.id, exc)
        _set(call, TransferStatus.failed)  # nothing moved: the caller is still with them
        return None
    try:
        client_leg = rest.calls.create(
            to=line.client_phone,
            from_=call.to_number,
            url=_hook("client_joins", call, call=call.call_sid, caller=call.from_number),
            method="POST",
            status_callback=_hook("client_leg_status", call, call=call.call_sid),
            status_callback_method="POST",
            timeout=line.ring_seconds,
        )
    except PROVIDER_ERRORS as exc:
        current_app.logger.warning("client of call %s could not be rung: %s", call.id, exc)
        _set(call, TransferStatus.failed)
        _take_caller_back(rest, call)
        return None
    call.client_leg_sid = client_leg.sid
    _set(call, TransferStatus.ringing)
    return client_leg.sid


def _take_caller_back(rest, call: Call) -> None:
    """Out of the conference, to the decision's rounds again (or voicemail)."""
    try:
        rest.calls(call.call_sid).update(url=_hook("next_round", call, step=0), method="POST")
    except PROVIDER_ERRORS as exc:  # the caller hung up meanwhile
        current_app.logger.info("caller of call %s is gone: %s", call.id, exc)


def client_leg_status(call_sid: str, leg_sid: str, status: str) -> Call | None:
    """The client's leg answered, or ended without answering: then the caller is taken back
    to the secretaries (the decision's rounds again), or to voicemail when none is on shift."""
    call = history.find(call_sid)
    if call is None or call.client_leg_sid != leg_sid:
        return None
    if status == "in-progress" and call.transfer_status == TransferStatus.ringing.value:
        _set(call, TransferStatus.connected)
    elif status in CLIENT_DID_NOT_ANSWER and call.transfer_status == TransferStatus.ringing.value:
        _set(call, TransferStatus.no_answer)
        _take_caller_back(provider.rest_client(services.voice_settings()), call)
    return call
