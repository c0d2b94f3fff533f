"""Twilio-compatible voice webhooks: decide from the database at once, answer with TwiML,
and hand everything else (the call record, items, notifications) to jobs.

The agency is found from the called number; the request must carry the provider's
signature made with that agency's auth token, or it is refused with a 403.
"""

from urllib.parse import urlencode

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from agency.domains.calls import history, transfers, twiml
from agency.domains.calls.decision import decide, rings_client
from agency.domains.calls.lookup import LineContext, context_for
from agency.domains.calls.models import CallStatus, TransferMode
from agency.extensions import csrf
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.queue import enqueue
from tenants import use_agency

bp = Blueprint("hooks_voice", __name__, url_prefix="/hooks/voice")
csrf.exempt(bp)

QUEUE = "realtime"


def _xml(body: str) -> Response:
    return Response(body, mimetype="application/xml")


def _spoken(context: LineContext, make) -> Response:
    """TwiML whose every prompt speaks the language of the client's line."""
    with twiml.spoken_in(context.line.language if context.line else None):
        return _xml(make())


def _field(name: str, required: bool = True) -> str:
    value = request.form.get(name, "").strip()
    if required and (not value or len(value) > 64):
        abort(400, description=f"missing or malformed form field {name}")
    return value


def _signed_urls() -> list[str]:
    """The URL the provider signed: as the app sees it (behind ProxyFix), and under
    PUBLIC_URL, for a proxy that rewrites the host without forwarding it."""
    seen = request.url
    public = current_app.config.get("PUBLIC_URL", "").rstrip("/")
    query = request.query_string.decode()
    under_public = f"{public}{request.path}" + (f"?{query}" if query else "")
    return [seen] if seen == under_public else [seen, under_public]


def _verify(context: LineContext) -> None:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not context.auth_token:
        abort(403)
    validator = RequestValidator(context.auth_token)
    params = request.form.to_dict()
    if not any(validator.validate(url, params, signature) for url in _signed_urls()):
        abort(403)


class AgencySuspended(Exception):
    """The line's agency is suspended: nobody can take the call, so say so kindly."""


@bp.errorhandler(AgencySuspended)
def _suspended(_exc):
    return _xml(twiml.cannot_answer_now())


def _line(parties: bool = True) -> tuple[LineContext | None, str, str, str]:
    """The called line (None for a number no agency has, or one that cannot answer now),
    the CallSid, the caller and the called number; a verified signature or a 403.
    ``parties=False`` for callbacks that carry no From and To (a recording's): the line
    and the caller then ride in the URL we gave the provider."""
    if request.mimetype != "application/x-www-form-urlencoded":
        abort(400, description="send the form url-encoded")
    call_sid = _field("CallSid")
    # A dialled leg's own To is the phone it rang: the line it belongs to rides in the URL
    # (which the signature covers), as does the caller for a recording's callbacks.
    called = request.args.get("line", "")[:32] or _field("To")
    caller = (_field("From", required=parties) or request.args.get("caller", ""))[:32]
    context = context_for(called, clock.now())
    if context is None:
        return None, call_sid, caller, called
    _verify(context)
    if not context.active:
        raise AgencySuspended()
    if context.line is None:
        return None, call_sid, caller, called
    return context, call_sid, caller, called


# Hooks whose requests do not say which line (and caller) they are for: a dialled leg's
# To is the phone it rang; a recording's callbacks carry no From or To at all.
LINE_IN_URL = {
    "whisper": ("line",),
    "recorded": ("line", "caller"),
    "recording": ("line", "caller"),
}


def _url_maker(called: str, caller: str):
    base = request.url_root.rstrip("/")
    parties = {"line": called, "caller": caller}

    def url(step_name: str, **params) -> str:
        params.update({name: parties[name] for name in LINE_IN_URL.get(step_name, ())})
        query = f"?{urlencode(params)}" if params else ""
        return f"{base}/hooks/voice/{step_name}{query}"

    return url


@bp.post("")
def incoming():
    """A call rings the client's line: the first TwiML of the decision."""
    context, call_sid, caller, called = _line()
    if context is None:
        return _xml(twiml.not_in_service())
    decision = decide(context.line, caller, clock.now())
    call = {
        "call_sid": call_sid,
        "client_id": context.client_id,
        "from_number": caller,
        "to_number": called,
        "action": decision.action.value,
        "rule": decision.rule,
        "transfer_mode": TransferMode.warm.value if decision.warm else None,
    }
    history.log_ringing(context.agency_id, call)
    return _spoken(context, lambda: twiml.respond(decision, 0, _url_maker(called, caller)))


@bp.post("/next")
def next_round():
    """A dial round ended: someone answered (hang up, or, while the caller is being put
    through, into the call's conference), or nobody did (ring the next round)."""
    step = request.args.get("step", "")
    if not step.isdigit() or int(step) > 10:
        abort(400, description="step must be a small whole number")
    step = int(step)
    context, call_sid, caller, called = _line()
    if context is None:
        return _xml(twiml.not_in_service())
    decision = decide(context.line, caller, clock.now())
    answered = request.form.get("DialCallStatus") == "completed"
    if answered:
        seconds = request.form.get("DialCallDuration", "")
        enqueue(
            "workers.jobs.call_answered",
            context.agency_id,
            call_sid,
            "client" if step and rings_client(decision, step - 1) else "secretary",
            int(seconds) if seconds.isdigit() else None,
            queue=QUEUE,
        )
        # A put-through moved the secretary's leg out of this Dial: the caller follows.
        on_hold = _being_put_through(context, call_sid)
        if not on_hold:
            return _xml(twiml.hang_up())
        return _spoken(context, lambda: twiml.caller_on_hold(call_sid))
    return _spoken(context, lambda: twiml.respond(decision, step, _url_maker(called, caller)))


def _being_put_through(context: LineContext, call_sid: str) -> bool:
    with use_agency(context.agency_id):
        moving = transfers.in_conference(call_sid)
        db.session.rollback()
    return moving


@bp.post("/whisper")
def whisper():
    """Played to whoever picks up before the caller is connected; a secretary's pick-up is
    recorded (who, and their leg, which a put-through moves)."""
    context, leg_sid, _caller, _called = _line()
    if context is None:
        return _xml(twiml.hang_up())
    kind, desk = request.args.get("kind", "for"), request.args.get("desk", "")
    parent_sid = request.form.get("ParentCallSid", "").strip()
    if kind != "from" and desk.isdigit() and len(desk) < 10 and 0 < len(parent_sid) <= 64:
        enqueue(
            "workers.jobs.secretary_answered",
            context.agency_id, parent_sid, int(desk), leg_sid,
            queue=QUEUE,
        )  # fmt: skip
    return _spoken(context, lambda: twiml.whisper(kind, request.args.get("text", "")[:200]))


@bp.post("/client-joins")
def client_joins():
    """The client answered a put-through: who is calling, then into the call's conference."""
    context, leg_sid, _caller, _called = _line()
    parent_sid = request.args.get("call", "")
    if context is None or not 0 < len(parent_sid) <= 64:
        return _xml(twiml.hang_up())
    enqueue(
        "workers.jobs.client_leg_status",
        context.agency_id, parent_sid, leg_sid, CallStatus.in_progress.value,
        queue=QUEUE,
    )  # fmt: skip
    caller = request.args.get("caller", "")[:32]
    return _spoken(context, lambda: twiml.client_joins(parent_sid, caller))


@bp.post("/client-leg-status")
def client_leg_status():
    """How the client's leg of a put-through went; not answered takes the caller back."""
    call_status = _field("CallStatus")
    if call_status not in {s.value for s in CallStatus}:
        abort(400, description="unknown CallStatus")
    parent_sid = request.args.get("call", "")
    if not 0 < len(parent_sid) <= 64:
        abort(400, description="missing call")
    context, leg_sid, _caller, _called = _line()
    if context is not None:
        enqueue(
            "workers.jobs.client_leg_status",
            context.agency_id, parent_sid, leg_sid, call_status,
            queue=QUEUE,
        )  # fmt: skip
    return Response(status=204)


def _voicemail(context: LineContext, call_sid: str, caller: str) -> None:
    """Whatever this request says of the voicemail (its recording, its transcription)
    goes to the job that makes it one message per CallSid."""
    voicemail = {
        "call_sid": call_sid,
        "caller": caller,
        "client_id": context.client_id,
        "recording_url": request.form.get("RecordingUrl", "").strip()[:500] or None,
        "transcription": request.form.get("TranscriptionText", "").strip()[:5000] or None,
    }
    if voicemail["recording_url"] or voicemail["transcription"]:
        enqueue("workers.jobs.voicemail_received", context.agency_id, voicemail, queue=QUEUE)


@bp.post("/recorded")
def recorded():
    """The caller finished their voicemail (the Record's action, with the recording)."""
    context, call_sid, caller, _called = _line(parties=False)
    if context is None:
        return _xml(twiml.hang_up())
    _voicemail(context, call_sid, caller)
    return _spoken(context, twiml.goodbye)


@bp.post("/recording")
def recording():
    """The recording, or its transcription, is ready: it becomes a message (in a job)."""
    context, call_sid, caller, _called = _line(parties=False)
    if context is not None:
        _voicemail(context, call_sid, caller)
    return Response(status=204)


@bp.post("/status")
def status():
    """The call's status callback: its outcome and duration, recorded once per CallSid."""
    call_status = _field("CallStatus")
    if call_status not in {s.value for s in CallStatus}:
        abort(400, description="unknown CallStatus")
    duration = request.form.get("CallDuration", "")
    if duration and not duration.isdigit():
        abort(400, description="CallDuration must be whole seconds")
    context, call_sid, _caller, _called = _line()
    if context is not None:
        seconds = int(duration) if duration else None
        enqueue(
            "workers.jobs.call_ended", context.agency_id, call_sid, call_status, seconds,
            queue=QUEUE,
        )  # fmt: skip
    return Response(status=204)
