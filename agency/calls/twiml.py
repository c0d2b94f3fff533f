"""The decision as TwiML, one step at a time: a round nobody answers asks for the next."""

from collections.abc import Callable

from flask_babel import gettext as _
from twilio.twiml.voice_response import Dial, VoiceResponse

from agency.calls.decision import Action, Decision

# url_for(endpoint_suffix, **params) -> absolute URL of one of the voice hooks.
UrlMaker = Callable[..., str]


def respond(decision: Decision, step: int, url: UrlMaker) -> str:
    """TwiML for ``step`` of the decision: dial round ``step``, or voicemail past the last."""
    response = VoiceResponse()
    if decision.action == Action.reject:
        response.reject()
        return str(response)
    rounds = decision.rounds
    if decision.action != Action.voicemail and step < len(rounds):
        numbers, whisper = rounds[step]
        to_client = decision.action == Action.put_through and step == 0
        cold = to_client and not decision.warm
        kind = "from" if to_client else "for"
        dial = Dial(
            timeout=decision.ring_seconds,
            action=url("next", step=step + 1),
            method="POST",
            answer_on_bridge=True,
        )
        for number in numbers:
            if cold:
                dial.number(number)
            else:
                dial.number(number, url=url("whisper", kind=kind, text=whisper), method="POST")
        response.append(dial)
        return str(response)
    return voicemail(decision.greeting, url)


def voicemail(greeting: str, url: UrlMaker) -> str:
    response = VoiceResponse()
    response.say(greeting or _("Nobody can take your call just now. Please leave a message."))
    response.say(_("Please leave your message after the tone."))
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
        response.say(_("Call from %(caller)s. Connecting.", caller=text))
    else:
        response.say(_("Call for %(name)s.", name=text))
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def goodbye() -> str:
    response = VoiceResponse()
    response.say(_("Thank you. Your message has been taken. Goodbye."))
    response.hangup()
    return str(response)


def not_in_service() -> str:
    response = VoiceResponse()
    response.say(_("Sorry, this number is not in service. Goodbye."))
    response.hangup()
    return str(response)
