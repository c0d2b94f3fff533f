"""The headers every response carries: a Content-Security-Policy that allows only the
app's own scripts and styles (and Stripe.js where a card is entered, and the voice SDK's
connections where a desk answers in the browser), no framing, no sniffing, and in
production Strict-Transport-Security."""

from urllib.parse import urlsplit

from flask import current_app, request

from agency.domains.billing.stripe_account import stripe_js_url

STRIPE_API = "https://api.stripe.com"
STRIPE_FRAMES = "https://js.stripe.com https://hooks.stripe.com"
PRIVATE_PAGES = ("/console", "/desk", "/portal", "/platform", "/account")
HSTS = "max-age=31536000; includeSubDomains"
# The voice SDK of a desk that answers in the browser: its signalling and event
# gateways, and the ringtones it plays.
TWILIO_CONNECT = "wss://*.twilio.com https://*.twilio.com"
TWILIO_MEDIA = "https://sdk.twilio.com"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy() -> str:
    """No inline script or style anywhere; Stripe's script, frames and API beside ours
    (from STRIPE_API_BASE's stand-in where one is set)."""
    stripe_js = _origin(stripe_js_url())
    stand_in = current_app.config.get("STRIPE_API_BASE")
    stripe_api = _origin(stand_in) if stand_in else STRIPE_API
    frames = stripe_js if stand_in else STRIPE_FRAMES
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {stripe_js}",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {stripe_api} {TWILIO_CONNECT}",
            f"media-src 'self' {TWILIO_MEDIA}",
            f"frame-src {frames}",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def add_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config["SECRETARIAT_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith(PRIVATE_PAGES):
        headers.setdefault("Cache-Control", "no-store")
    return response
