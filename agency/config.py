"""Settings, read once from the environment, with embedded defaults for a laptop."""

import os
from pathlib import Path

from agency.kernel.i18n import LANGUAGES

INSTANCE_DIR = Path(
    os.environ.get("INSTANCE_PATH", Path(__file__).resolve().parent.parent / "instance")
)


class ConfigError(RuntimeError):
    """A setting that production cannot do without is missing."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> dict:
    """Build the Flask config mapping from the process environment."""
    env = os.environ
    production = env.get("SECRETARIAT_ENV", "development") == "production"
    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError("SECRET_KEY must be set when SECRETARIAT_ENV=production")
        secret_key = "development-only-secret-key"

    database_url = env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'secretariat.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    return {
        "SECRETARIAT_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        # Fernet keys (comma-separated, newest first) for secrets kept in the database.
        "ENCRYPTION_KEYS": env.get("ENCRYPTION_KEYS", ""),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # The owner role that runs migrations; the app's own role comes from DATABASE_URL.
        "DATABASE_MIGRATE_URL": env.get("DATABASE_MIGRATE_URL", ""),
        # No ping before each checkout: a dropped connection fails a request's first
        # statement and the request runs again (`agency.app.App`).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        # DATABASE_URL goes through PgBouncer in transaction mode: no prepared statements
        # (a transaction's server connection is not the next one's), and the voice lines'
        # LISTEN goes straight to PostgreSQL at DATABASE_LISTEN_URL (without it, lines are
        # read afresh for every call).
        "DATABASE_TRANSACTION_POOLER": _bool("DATABASE_TRANSACTION_POOLER", default=False),
        "DATABASE_LISTEN_URL": env.get("DATABASE_LISTEN_URL", ""),
        "REDIS_URL": env.get("REDIS_URL", ""),
        # The minute tick (recurring work, SLA watchdog) from `python -m workers` and
        # the embedded worker; turn it off to tick from elsewhere (`flask schedules tick`).
        "SCHEDULES_ENABLED": _bool("SCHEDULES_ENABLED", default=True),
        # How often a busy worker renews its running job; a job unrenewed for three beats
        # (its worker died) goes back to its queue at the next registry clean-up.
        "WORKER_HEARTBEAT_SECONDS": max(1, int(env.get("WORKER_HEARTBEAT_SECONDS", 10))),
        "SMTP_URL": env.get("SMTP_URL", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "Secretariat <no-reply@secretariat.localhost>"),
        "OUTBOX_DIR": env.get("OUTBOX_DIR", str(INSTANCE_DIR / "outbox")),
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:5000"),
        # Clients' inbound aliases are <alias>@MAIL_INBOUND_DOMAIN (default: PUBLIC_URL's host).
        "MAIL_INBOUND_DOMAIN": env.get("MAIL_INBOUND_DOMAIN", ""),
        "MAIL_INBOUND_MAX_BYTES": int(env.get("MAIL_INBOUND_MAX_BYTES", 10 * 1024 * 1024)),
        "DICTATION_AUDIO_MAX_BYTES": int(env.get("DICTATION_AUDIO_MAX_BYTES", 20 * 1024 * 1024)),
        # The telephony provider's REST API (put-throughs, SMS); tests point it at loopback.
        "TWILIO_API_BASE": env.get("TWILIO_API_BASE", "https://api.twilio.com"),
        # Files on outgoing mail: each file, all files of one email together, how many.
        "MAIL_ATTACHMENT_MAX_BYTES": int(env.get("MAIL_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)),
        "MAIL_ATTACHMENTS_MAX_BYTES": int(env.get("MAIL_ATTACHMENTS_MAX_BYTES", 15 * 1024 * 1024)),
        "MAIL_ATTACHMENTS_MAX_COUNT": int(env.get("MAIL_ATTACHMENTS_MAX_COUNT", 10)),
        "STRIPE_API_KEY": env.get("STRIPE_API_KEY", ""),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE", ""),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET", ""),
        # For Stripe.js on the subscription page, where an owner updates the seats' card.
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY", ""),
        # The agencies' own subscription: a monthly price per active secretary seat.
        "SEAT_PRICE_MINOR": int(env.get("SEAT_PRICE_MINOR", 2900)),
        "SEAT_CURRENCY": env.get("SEAT_CURRENCY", "EUR"),
        "SEAT_TRIAL_DAYS": int(env.get("SEAT_TRIAL_DAYS", 14)),
        # How many proxies (ingress, load balancer) set X-Forwarded-* in front of the app.
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS", 0)),
        # Failed sign-ins: per account, and (higher: many people may share one) per address.
        "LOGIN_FAILURE_LIMIT": env.get("LOGIN_FAILURE_LIMIT", "10 per 15 minutes"),
        "LOGIN_ADDRESS_FAILURE_LIMIT": env.get("LOGIN_ADDRESS_FAILURE_LIMIT", "50 per 15 minutes"),
        # Calendar feeds: fetches per feed address, and per caller's address over all feeds.
        "FEED_RATE_LIMIT": env.get("FEED_RATE_LIMIT", "60 per hour"),
        # How often one address may ask for a signup card form (a Stripe SetupIntent).
        "SIGNUP_CARD_RATE_LIMIT": env.get("SIGNUP_CARD_RATE_LIMIT", "30 per hour"),
        # How often one address may post a client's newsletter signup form.
        "SIGNUP_RATE_LIMIT": env.get("SIGNUP_RATE_LIMIT", "20 per hour"),
        "FEED_ADDRESS_RATE_LIMIT": env.get("FEED_ADDRESS_RATE_LIMIT", "600 per hour"),
        "MEETING_PICK_RATE_LIMIT": env.get("MEETING_PICK_RATE_LIMIT", "60 per hour"),
        "BOOKING_RATE_LIMIT": env.get("BOOKING_RATE_LIMIT", "20 per hour"),
        "CALDAV_TIMEOUT_SECONDS": float(env.get("CALDAV_TIMEOUT_SECONDS", "15")),
        # How often one person may read secrets of the clients' vaults.
        "VAULT_REVEAL_RATE_LIMIT": env.get("VAULT_REVEAL_RATE_LIMIT", "30 per hour"),
        "TRIP_DOCUMENT_MAX_BYTES": int(env.get("TRIP_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)),
        # Each file of a website update, and how long a website has to answer.
        "SITE_FILE_MAX_BYTES": int(env.get("SITE_FILE_MAX_BYTES", 10 * 1024 * 1024)),
        "WEBSITE_TIMEOUT_SECONDS": float(env.get("WEBSITE_TIMEOUT_SECONDS", "10")),
        # How fast one client's campaigns together, and one agency's together, go out
        # (0: as fast as the mail server takes them), and over how many connections.
        "CAMPAIGN_MESSAGES_PER_SECOND": float(env.get("CAMPAIGN_MESSAGES_PER_SECOND", "20")),
        "CAMPAIGN_AGENCY_MESSAGES_PER_SECOND": float(
            env.get("CAMPAIGN_AGENCY_MESSAGES_PER_SECOND", "50")
        ),
        "CAMPAIGN_SMTP_CONNECTIONS": int(env.get("CAMPAIGN_SMTP_CONNECTIONS", "8")),
        # A campaign's picture travels in every message: keep it small.
        "CAMPAIGN_IMAGE_MAX_BYTES": int(env.get("CAMPAIGN_IMAGE_MAX_BYTES", 1024 * 1024)),
        # How long one campaign job sends before it makes way for other work.
        "CAMPAIGN_SLICE_SECONDS": float(env.get("CAMPAIGN_SLICE_SECONDS", "2")),
        # When a campaign's claimed messages are taken for a dead worker's and sent again.
        "CAMPAIGN_CLAIM_LEASE_SECONDS": int(env.get("CAMPAIGN_CLAIM_LEASE_SECONDS", "120")),
        "INVITATION_MAX_AGE_SECONDS": int(env.get("INVITATION_MAX_AGE_SECONDS", 7 * 24 * 3600)),
        "PASSWORD_RESET_MAX_AGE_SECONDS": int(env.get("PASSWORD_RESET_MAX_AGE_SECONDS", 3600)),
        # The "block this caller" links of message digests.
        "BLOCK_LINK_MAX_AGE_SECONDS": int(env.get("BLOCK_LINK_MAX_AGE_SECONDS", 14 * 24 * 3600)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_ENABLED": _bool("WTF_CSRF_ENABLED", default=True),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": LANGUAGES,
        "LOG_JSON": _bool("LOG_JSON", default=production),
        # The bearer token a Prometheus scraper sends for /metrics (unset: operators only).
        "METRICS_TOKEN": env.get("METRICS_TOKEN", ""),
        "API_TITLE": "Secretariat API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)),
    }
