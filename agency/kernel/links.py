"""Absolute links for emails, built from PUBLIC_URL (inside a request or a job alike), and
the signed tokens such links carry."""

from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import URLSafeTimedSerializer


def external_url(endpoint: str, **values) -> str:
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, url_scheme=parts.scheme or "https", script_name=parts.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"secretariat-{purpose}")


def sign(purpose: str, payload: dict) -> str:
    """A token for an emailed link: only this app can make it, for this purpose only."""
    return _serializer(purpose).dumps(payload)


def unsign(purpose: str, token: str, max_age: int) -> dict:
    """The payload of ``sign``; itsdangerous' SignatureExpired or BadSignature otherwise."""
    return _serializer(purpose).loads(token, max_age=max_age)
