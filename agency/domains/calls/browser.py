"""Answering in the browser: a secretary without a phone is rung at her desk, in the
page, by the provider's voice SDK. Her desk asks for an access token, signed with an API
key of the agency's telephony account, that lets it receive calls as her (a Voice grant
for incoming calls, no more) for an hour; the voice decision dials that identity
(``<Dial><Client>``) as it would dial her phone."""

from dataclasses import dataclass

from flask_babel import gettext as _
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from agency.domains.calls.decision import browser_identity
from agency.domains.calls.services import voice_settings
from agency.domains.staff.models import Secretary, ShiftStatus
from agency.kernel.errors import Conflict, NotAllowed

TOKEN_SECONDS = 3600


@dataclass(frozen=True)
class DeskToken:
    token: str
    identity: str
    expires_in: int


def ready() -> bool:
    """Whether the agency's account can sign desks' tokens (an API key is saved)."""
    settings = voice_settings()
    return bool(
        settings and settings.account_sid and settings.api_key_sid and settings.api_key_secret
    )


def token_for(secretary: Secretary | None) -> DeskToken:
    """The access token of ``secretary``'s desk: only for a secretary on shift."""
    if secretary is None or secretary.archived_at is not None:
        raise NotAllowed(_("Only secretaries have a desk."))
    if secretary.shift_status != ShiftStatus.on_shift:
        raise NotAllowed(_("Go on shift to answer calls in the browser."))
    settings = voice_settings()
    if not ready():
        raise Conflict(
            _(
                "Calls cannot be answered in the browser yet: a manager saves an API key "
                "of the telephony account under Calls."
            )
        )
    identity = browser_identity(secretary.id)
    token = AccessToken(
        settings.account_sid,
        settings.api_key_sid,
        settings.api_key_secret,
        identity=identity,
        ttl=TOKEN_SECONDS,
    )
    token.add_grant(VoiceGrant(incoming_allow=True))
    return DeskToken(token.to_jwt(), identity, TOKEN_SECONDS)
