"""Login throttling: too many failures per account or per address answer 429."""

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


def _limiter() -> MovingWindowRateLimiter:
    state = current_app.extensions.setdefault("login_throttle", {})
    if "limiter" not in state:
        url = current_app.config["REDIS_URL"] or "memory://"
        state["limiter"] = MovingWindowRateLimiter(storage_from_string(url))
    return state["limiter"]


def _keys(email: str, address: str | None) -> list[str]:
    return [f"login:account:{email.strip().lower()}", f"login:address:{address or 'unknown'}"]


def is_blocked(email: str, address: str | None) -> bool:
    item = parse(current_app.config["LOGIN_FAILURE_LIMIT"])
    limiter = _limiter()
    return any(not limiter.test(item, key) for key in _keys(email, address))


def record_failure(email: str, address: str | None) -> None:
    item = parse(current_app.config["LOGIN_FAILURE_LIMIT"])
    limiter = _limiter()
    for key in _keys(email, address):
        limiter.hit(item, key)
