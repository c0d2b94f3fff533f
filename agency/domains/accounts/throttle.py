"""Login throttling: too many failures for one account, or from one address, answer 429.

The two are counted apart, each against its own limit: an account's few wrong passwords
lock that account, and an address (an office behind one router, say) is stopped only at
its higher limit, so colleagues behind it still sign in. The counts live in Redis; while
Redis cannot be reached they are kept in this process instead, so signing in still
works and is still throttled.
"""

import logging

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

log = logging.getLogger(__name__)


def _limiters() -> tuple[MovingWindowRateLimiter, MovingWindowRateLimiter]:
    """(the shared limiter, this process's own for when Redis is away)."""
    state = current_app.extensions.setdefault("login_throttle", {})
    if "limiter" not in state:
        url = current_app.config["REDIS_URL"]
        # A Redis that is away is given up on at once: the count moves to this process.
        storage = (
            storage_from_string(url, retry=Retry(NoBackoff(), 0), socket_connect_timeout=2)
            if url
            else MemoryStorage()
        )
        state["limiter"] = MovingWindowRateLimiter(storage)
        state["fallback"] = MovingWindowRateLimiter(MemoryStorage())
    return state["limiter"], state["fallback"]


def _limits(email: str, address: str | None) -> list:
    config = current_app.config
    return [
        (parse(config["LOGIN_FAILURE_LIMIT"]), f"login:account:{email.strip().lower()}"),
        (parse(config["LOGIN_ADDRESS_FAILURE_LIMIT"]), f"login:address:{address or 'unknown'}"),
    ]


def _each(action, email: str, address: str | None) -> list:
    shared, fallback = _limiters()
    try:
        return [action(shared, item, key) for item, key in _limits(email, address)]
    except RedisError:
        log.warning("login throttle: Redis cannot be reached, counting in this process")
        return [action(fallback, item, key) for item, key in _limits(email, address)]


def is_blocked(email: str, address: str | None) -> bool:
    return not all(_each(lambda limiter, item, key: limiter.test(item, key), email, address))


def record_failure(email: str, address: str | None) -> None:
    _each(lambda limiter, item, key: limiter.hit(item, key), email, address)
