"""The desk, live, at no cost while nothing happens.

A secretary's open desk holds one Server-Sent Events stream (`/desk/live`) on the
topics it shows (`agency.domains.work.live`); when one changes, the page fetches the part
that shows it. A fetch names the version it has (``If-None-Match``) and gets 304 when
nothing it shows changed. Neither the stream nor that answer reads the database: who is
signed in comes from the signed session cookie, and what their desk shows is kept in
Redis beside the version of the agency's ``scope`` topic it was read at (a new
assignment, team or password changes that version, and the desk is read anew).
"""

import contextlib
import hashlib
import json
import uuid
from dataclasses import dataclass

from flask import Response, abort, current_app, request, session
from flask_login import current_user
from redis.exceptions import RedisError

from agency.domains.work import live as work_live
from agency.domains.work.access import secretary_of
from agency.domains.work.live import DeskScope
from agency.extensions import login_manager
from agency.kernel import live, publishing

KEY = "live:desk:{agency}:{user}"
KEEP_SECONDS = 24 * 3600
# Part of every version: a new release renders differently.
RELEASE = "1"


@dataclass(frozen=True)
class Desk:
    agency_id: int
    user_id: int
    secretary_id: int
    scope: DeskScope

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self.scope.topics())


def _signed_in() -> tuple[int, int, str] | None:
    """The agency, user and password stamp the session was signed in with; no check
    against the database (`cached` compares the stamp with the one it kept)."""
    agency, _, rest = str(session.get("_user_id") or "").partition(":")
    user, _, stamp = rest.partition(":")
    if not (agency.isdigit() and user.isdigit() and stamp):
        return None
    return int(agency), int(user), stamp


def _text(value) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def cached() -> Desk | None:
    """The signed-in secretary's desk as Redis keeps it, if still current: one round trip,
    no database. None sends the caller the long way (`desk`)."""
    who = _signed_in()
    if who is None:
        return None
    agency_id, user_id, stamp = who
    redis = current_app.extensions["redis"]
    try:
        with redis.pipeline(transaction=False) as pipe:
            pipe.get(KEY.format(agency=agency_id, user=user_id))
            pipe.hget(publishing.VERSIONS.format(agency=agency_id), live.SCOPE)
            kept, scope = pipe.execute()
    except RedisError:
        return None
    if kept is None:
        return None
    kept = json.loads(kept)
    if kept["stamp"] != stamp or kept["scope"] != _text(scope):
        return None
    scope = DeskScope(*(tuple(kept[part]) for part in ("team", "clients", "calls")))
    return Desk(agency_id, user_id, kept["secretary"], scope)


def _read(user) -> Desk | None:
    """The desk from the database, kept in Redis for `cached`."""
    secretary = secretary_of(user)
    if secretary is None:
        return None
    redis = current_app.extensions["redis"]
    try:  # read before the topics: a change meanwhile makes the kept desk stale at once
        scope = _text(live.versions(user.agency_id, [live.SCOPE], redis)[0])
    except RedisError:
        scope = None
    desk = Desk(user.agency_id, user.id, secretary.id, work_live.desk_scope(secretary))
    kept = {
        "stamp": user.password_stamp,
        "scope": scope,
        "secretary": desk.secretary_id,
        "team": desk.scope.team,
        "clients": desk.scope.clients,
        "calls": desk.scope.calls,
    }
    with contextlib.suppress(RedisError):  # kept or not, the desk is right
        redis.set(
            KEY.format(agency=desk.agency_id, user=desk.user_id), json.dumps(kept), ex=KEEP_SECONDS
        )
    return desk


def desk() -> Desk | None:
    """The signed-in secretary's desk: from Redis when current, else from the database
    (signing in and the role checked as `roles_required` does). None: a secretary
    without a profile."""
    found = cached()
    if found is not None:
        return found
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    if not current_user.at_desk:
        abort(403)
    return _read(current_user)


def version(found: Desk) -> str:
    """What the desk shows, as one tag: the versions of its topics now. Read it before
    reading what it describes, so that a change in between shows as a change later."""
    try:
        versions = [_text(v) for v in live.versions(found.agency_id, list(found.topics))]
    except RedisError:
        return uuid.uuid4().hex  # unknown: a tag that matches nothing a page has
    digest = hashlib.blake2b(
        json.dumps([RELEASE, found.user_id, found.topics, versions]).encode(), digest_size=12
    )
    return digest.hexdigest()


def not_modified(found: Desk, tag: str) -> Response | None:
    """304 when the page already has what ``tag`` describes."""
    if tag in request.if_none_match:
        return tagged(Response(status=304), tag)
    return None


def tagged(response: Response, tag: str) -> Response:
    response.set_etag(tag)
    response.headers["Cache-Control"] = "no-cache, private"
    return response


def stream(found: Desk) -> Response:
    subscription = live.hub().subscribe(found.agency_id, found.topics)
    response = Response(live.stream(subscription), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache, private"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy in front must not hold events
    return response
