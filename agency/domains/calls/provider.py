"""The telephony provider's REST API (Twilio's), with the agency's own account.

``TWILIO_API_BASE`` points the client elsewhere (the tests' fake server on loopback);
by default it talks to the provider itself.
"""

from urllib.parse import urlsplit

from flask import current_app
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from agency.domains.calls.models import VoiceSettings

API_BASE = "https://api.twilio.com"
TIMEOUT_SECONDS = 10


class BaseUrlHttpClient(TwilioHttpClient):
    """Sends every request of the library to ``base`` instead of the provider's hosts."""

    def __init__(self, base: str):
        super().__init__(timeout=TIMEOUT_SECONDS)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        parts = urlsplit(url)
        query = f"?{parts.query}" if parts.query else ""
        return super().request(method, f"{self.base}{parts.path}{query}", *args, **kwargs)


def can_call_out(settings: VoiceSettings | None) -> bool:
    return bool(settings and settings.account_sid and settings.auth_token)


def rest_client(settings: VoiceSettings) -> Client:
    base = (current_app.config.get("TWILIO_API_BASE") or API_BASE).rstrip("/")
    http = (
        TwilioHttpClient(timeout=TIMEOUT_SECONDS) if base == API_BASE else BaseUrlHttpClient(base)
    )
    return Client(settings.account_sid, settings.auth_token, http_client=http)
