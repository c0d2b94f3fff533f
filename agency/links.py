"""Absolute links for emails, built from PUBLIC_URL (inside a request or a job alike)."""

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    parts = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(
        parts.netloc, url_scheme=parts.scheme or "https", script_name=parts.path or "/"
    )
    return adapter.build(endpoint, values, force_external=True)
