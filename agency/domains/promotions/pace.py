"""How fast campaigns go out, shared by every worker: a client's campaigns together keep
to CAMPAIGN_MESSAGES_PER_SECOND and one agency's campaigns together to
CAMPAIGN_AGENCY_MESSAGES_PER_SECOND, however many jobs send at once. Each second has a
counter in Redis per client and per agency; a message takes a place in both or waits for
the next second (0 means no limit)."""

import time

from flask import current_app

from agency.kernel.queue import redis_connection

# A second's counters outlive it briefly: clocks of workers differ a little.
KEEP_SECONDS = 5


class Pace:
    def __init__(self, agency_id: int, client_id: int):
        config = current_app.config
        self.limits = [
            (f"pace:agency:{agency_id}", config["CAMPAIGN_AGENCY_MESSAGES_PER_SECOND"]),
            (f"pace:client:{client_id}", config["CAMPAIGN_MESSAGES_PER_SECOND"]),
        ]
        self.limits = [(key, max(1.0, limit)) for key, limit in self.limits if limit > 0]
        self.redis = redis_connection() if self.limits else None

    def wait_turn(self) -> None:
        """Returns once this message has its place in the current second."""
        while self.limits:
            now = time.time()
            second = int(now)
            keys = [f"{key}:{second}" for key, _limit in self.limits]
            pipe = self.redis.pipeline()
            for key in keys:
                pipe.incr(key)
                pipe.expire(key, KEEP_SECONDS)
            counts = pipe.execute()[::2]
            if all(n <= limit for n, (_key, limit) in zip(counts, self.limits, strict=True)):
                return
            pipe = self.redis.pipeline()  # the place is not taken: give it back
            for key in keys:
                pipe.decr(key)
            pipe.execute()
            time.sleep(max(0.0, second + 1 - time.time()))
