"""The decision as TwiML, one step at a time: a round nobody answers asks for the next."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask_babel import force_locale
from flask_babel import gettext as _
from twilio.twiml.voice_response import Client, Dial, VoiceResponse

from agency.domains.calls.decision import BROWSER, Action, Decision, rings_client

# url_for(endpoint_suffix, **params) -> absolute URL of one of the voice hooks.
UrlMaker = Callable[..., str]

# The provider's voice for each language the product speaks.
VOICE_LANGUAGES = {
    "en": "en-GB", "de": "de-DE", "nl": "nl-NL", "pt": "pt-PT", "et": "et-EE", "id": "id-ID",
}  # fmt: skip
_speaking: ContextVar[str | None] = ContextVar("speaking", default=None)


@contextmanager
def spoken_in(language: str | None) -> Iterator[None]:
    """Every prompt made inside speaks ``language`` (the client's line's): its words in
    that language and the provider's voice for it. Unknown or none: the page default."""
    if language not in VOICE_LANGUAGES:
        yield
        return
    token = _speaking.set(language)
    try:
        with force_locale(language):
            yield
    finally:
        _speaking.reset(token)


def _say(response: VoiceResponse, text: str) -> None:
    language = _speaking.get()
    if language:
        response.say(text, language=VOICE_LANGUAGES[language])
    else:
        response.say(text)


def respond(decision: Decision, step: int, url: UrlMaker) -> str:
    """TwiML for ``step`` of the decision: dial round ``step``, or voicemail past the last."""
    response = VoiceResponse()
    if decision.action == Action.reject:
        response.reject()
        return str(response)
    rounds = decision.rounds
    if decision.action != Action.voicemail and step < len(rounds):
        numbers, whisper = rounds[step]
        dial = Dial(
            timeout=decision.ring_seconds,
            action=url("next", step=step + 1),
            method="POST",
            answer_on_bridge=True,
        )
        desk_ids = {desk.endpoint: desk.id for desk in decision.desks}
        for number in numbers:
            if rings_client(decision, step):
                params = {"kind": "from", "text": whisper}
            else:
                params = {"kind": "put" if decision.warm else "for", "text": whisper}
                if desk_ids.get(number) is not None:
                    params["desk"] = desk_ids[number]
            whisper_url = url("whisper", **params)
            if number.startswith(BROWSER):  # her desk in the browser, told whose call it is
                desk = Client(url=whisper_url, method="POST")
                desk.identity(number.removeprefix(BROWSER))
                desk.parameter(name="client", value=whisper)
                dial.append(desk)
            else:
                dial.number(number, url=whisper_url, method="POST")
        response.append(dial)
        return str(response)
    return voicemail(decision.greeting, url)


def conference_name(call_sid: str) -> str:
    """The conference a warm put-through happens in: one per call."""
    return f"put-through-{call_sid}"


def caller_on_hold(call_sid: str) -> str:
    """The caller waits in the call's conference (hold music) until the client joins; when
    the caller hangs up, the conference ends for everyone."""
    response = VoiceResponse()
    _say(response, _("Please hold while we put you through."))
    dial = Dial()
    dial.conference(
        conference_name(call_sid),
        start_conference_on_enter=False,
        end_conference_on_exit=True,
        beep=False,
    )
    response.append(dial)
    return str(response)


def secretary_waits(call_sid: str) -> str:
    """The secretary's leg in the conference: they announce the caller once the client is
    in, and leave without ending it."""
    return _into_conference(VoiceResponse(), call_sid, client=False)


def client_joins(call_sid: str, caller: str) -> str:
    """The client picked up: who is calling, then into the conference, which starts."""
    response = VoiceResponse()
    _say(response, _("Call from %(caller)s. Connecting.", caller=caller))
    return _into_conference(response, call_sid, client=True)


def _into_conference(response: VoiceResponse, call_sid: str, client: bool) -> str:
    """The call's conference; the client's arrival starts it and their leaving ends it."""
    dial = Dial()
    dial.conference(
        conference_name(call_sid),
        start_conference_on_enter=client,
        end_conference_on_exit=client,
        beep=False,
    )
    response.append(dial)
    return str(response)


def voicemail(greeting: str, url: UrlMaker) -> str:
    response = VoiceResponse()
    _say(response, greeting or _("Nobody can take your call just now. Please leave a message."))
    _say(response, _("Please leave your message after the tone."))
    response.record(
        action=url("recorded"),
        method="POST",
        max_length=180,
        play_beep=True,
        transcribe=True,
        transcribe_callback=url("recording"),
        recording_status_callback=url("recording"),
        recording_status_callback_method="POST",
    )
    return str(response)


def whisper(kind: str, text: str) -> str:
    """What the person who picks up hears first: who calls (client), or for whom (desk)."""
    response = VoiceResponse()
    if kind == "from":
        _say(response, _("Call from %(caller)s. Connecting.", caller=text))
    elif kind == "put":
        _say(response, _("Call for %(name)s, to put through to them from your desk.", name=text))
    else:
        _say(response, _("Call for %(name)s.", name=text))
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def goodbye() -> str:
    response = VoiceResponse()
    _say(response, _("Thank you. Your message has been taken. Goodbye."))
    response.hangup()
    return str(response)


def cannot_answer_now() -> str:
    """The line's agency is suspended: a kind word instead of a dead line."""
    response = VoiceResponse()
    _say(
        response, _("Sorry, we cannot take your call right now. Please call again later. Goodbye.")
    )
    response.hangup()
    return str(response)


def not_in_service() -> str:
    response = VoiceResponse()
    _say(response, _("Sorry, this number is not in service. Goodbye."))
    response.hangup()
    return str(response)
