"""The live desk's mechanism: a committed change raises its topics' versions and reaches
the open desks that show it (and only those, and only in its agency); a desk that asks
again with nothing changed is answered 304 without touching the database."""

import json
import threading
import time

import pytest
from redis import Redis
from sqlalchemy import event

from agency.domains.clients import services as clients
from agency.domains.clients.models import Client
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkItem
from agency.kernel import live, publishing
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import sign_in


class Statements:
    """Every statement the app's engine sends while counting."""

    def __init__(self):
        self.seen: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, conn, cursor, statement, *args):
        with self.lock:
            self.seen.append(statement)

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self)


def _item(agency_id: int, client_id: int, title: str) -> int:
    with use_agency(agency_id):
        item, _new = create_item({"client_id": client_id, "kind": "task", "title": title})
        item_id = item.id
    db.session.remove()  # the test's own session, so that a request's statements are its own
    assert publishing.flush()  # the publisher has told the live pages
    return item_id


def _other_client(agency) -> int:
    with use_agency(agency.agency.id):
        other = Client(name="Not Hers", email="nothers@alpha.example")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    db.session.remove()
    return other_id


def _next_message(pubsub, timeout: float = 3.0):
    message = pubsub.get_message(timeout=timeout, ignore_subscribe_messages=True)
    while message is not None and message["type"] != "pmessage":
        message = pubsub.get_message(timeout=timeout, ignore_subscribe_messages=True)
    return message


def test_a_committed_change_raises_its_versions_and_is_published(app, agency):
    redis = app.extensions["redis"]
    pubsub = redis.pubsub()
    pubsub.psubscribe(publishing.pattern(redis))
    assert pubsub.get_message(timeout=2)["type"] == "psubscribe"
    client_topic = f"c:{agency.client.id}"

    _item(agency.agency.id, agency.client.id, "Order the toner")

    message = _next_message(pubsub)
    assert message["channel"] == publishing.channel(redis, agency.agency.id).encode()
    assert client_topic in message["data"].decode().split()
    assert live.versions(agency.agency.id, [client_topic]) == [b"1"]
    pubsub.close()


def test_a_rolled_back_change_tells_nobody(app, agency):
    with use_agency(agency.agency.id):
        item = db.session.get(WorkItem, _item(agency.agency.id, agency.client.id, "Draft"))
        versions = live.versions(agency.agency.id, [f"c:{agency.client.id}"])
        item.title = "Draft, renamed"
        from agency.domains.work.timeline import record

        record(item, "updated")
        db.session.rollback()
    assert live.versions(agency.agency.id, [f"c:{agency.client.id}"]) == versions


def test_the_hub_hands_each_agency_only_its_own_topics(app, agency, other_agency):
    hub = live.Hub(app.extensions["redis"])
    ours = hub.subscribe(agency.agency.id, ["c:7"])
    theirs = hub.subscribe(other_agency.agency.id, ["c:7"])
    elsewhere = hub.subscribe(agency.agency.id, ["c:8"])
    try:
        assert hub.listening.wait(3)
        publishing.publish_later(agency.agency.id, ["c:7", "s:2"])
        assert publishing.flush()
        assert ours.wait(3) == {"c:7"}
        assert theirs.wait(0.3) == set()
        assert elsewhere.wait(0.3) == set()
        ours.close()
        assert hub.count() == 2
    finally:
        hub.stop()


def test_a_hub_on_another_database_of_the_same_server_hears_nothing(app, agency):
    """Pub/sub channels belong to the server: another app on another database of it
    (another deployment, another test process) never hears this one's agencies."""
    ours = app.extensions["redis"]
    kwargs = ours.connection_pool.connection_kwargs
    other = Redis(host=kwargs.get("host"), port=kwargs.get("port"), db=63)
    hub = live.Hub(other)
    listener = hub.subscribe(agency.agency.id, ["c:7"])
    try:
        assert hub.listening.wait(3)
        publishing.publish_later(agency.agency.id, ["c:7"])
        assert publishing.flush()
        assert listener.wait(0.5) == set()
    finally:
        hub.stop()
        other.close()


def test_an_unchanged_queue_is_a_304_from_redis_alone(app, client, agency):
    sign_in(client, agency.secretary)
    first = client.get("/desk/queue")
    assert first.status_code == 200 and first.headers["ETag"]
    tag = first.headers["ETag"]
    db.session.remove()

    with Statements() as statements:
        again = client.get("/desk/queue", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert statements.seen == []

    # Work of another client of the agency, one she does not serve: still nothing new.
    _item(agency.agency.id, _other_client(agency), "Someone else's")
    with Statements() as statements:
        assert client.get("/desk/queue", headers={"If-None-Match": tag}).status_code == 304
    assert statements.seen == []

    # Work of her client: the desk gets it.
    _item(agency.agency.id, agency.client.id, "Book the venue")
    changed = client.get("/desk/queue", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert "Book the venue" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != tag


def test_a_new_assignment_reads_the_desk_anew(app, client, agency):
    sign_in(client, agency.secretary)
    tag = client.get("/desk/queue").headers["ETag"]
    other = _other_client(agency)
    _item(agency.agency.id, other, "Now hers too")
    assert client.get("/desk/queue", headers={"If-None-Match": tag}).status_code == 304

    with use_agency(agency.agency.id):
        clients.assign({"client_id": other, "secretary_id": agency.profile.id, "role": "backup"})
    assert publishing.flush()  # told within milliseconds, after the commit
    fresh = client.get("/desk/queue", headers={"If-None-Match": tag})
    assert fresh.status_code == 200
    assert "Now hers too" in fresh.get_data(as_text=True)


def test_a_tag_from_a_session_signed_out_since_is_not_honoured(app, client, agency):
    sign_in(client, agency.secretary)
    tag = client.get("/desk/queue").headers["ETag"]
    client.post("/logout", data={"csrf_token": _csrf(client)})
    answer = client.get("/desk/queue", headers={"If-None-Match": tag})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def _csrf(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get("/desk/").get_data(as_text=True))


@pytest.mark.parametrize("who", ["manager", "client_user"])
def test_only_a_secretary_has_a_live_desk(app, client, agency, who):
    sign_in(client, getattr(agency, who))
    assert client.get("/desk/queue").status_code == 403
    assert client.get("/desk/live").status_code == 403


def test_the_stream_names_what_changed_for_this_desk(app, client, agency):
    sign_in(client, agency.secretary)
    response = client.get("/desk/live", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    events = (chunk.decode() for chunk in response.response)
    assert next(events).startswith("retry:")
    assert live.hub().listening.wait(3)
    db.session.remove()

    with Statements() as statements:
        _item(agency.agency.id, agency.client.id, "Ring the printer")
        said = next(events)
    assert said.startswith("event: change\n")
    assert f"c:{agency.client.id}" in said.split("data: ")[1].split()
    # Creating the item read and wrote; the stream itself read nothing.
    assert not any("FROM secretaries" in s or "FROM assignments" in s for s in statements.seen)
    response.close()
    assert live.hub().count() == 0


def test_a_desk_of_another_agency_hears_nothing(app, client, agency, other_agency):
    sign_in(client, other_agency.secretary)
    response = client.get("/desk/live", buffered=False)
    events = iter(response.response)
    next(events)
    assert live.hub().listening.wait(3)
    subscription = next(iter(live.hub()._subscriptions))
    assert subscription.agency_id == other_agency.agency.id
    _item(agency.agency.id, agency.client.id, "Alpha's own")
    assert subscription.wait(0.5) == set()
    response.close()


def test_the_desk_kept_in_redis_names_no_secret(app, client, agency):
    sign_in(client, agency.secretary)
    client.get("/desk/queue")
    redis = app.extensions["redis"]
    (key,) = redis.keys("live:desk:*")
    kept = json.loads(redis.get(key))
    assert set(kept) == {"stamp", "scope", "secretary", "team", "clients", "calls"}
    assert kept["clients"] == [agency.client.id] and kept["team"] == [agency.profile.id]


def test_a_commit_hands_its_changes_over_and_does_not_wait_for_redis(app, agency):
    """The publisher sends in its own thread: with Redis away the commit still returns at
    once, the change stands, and the publisher goes on with the next changes."""
    from tests.servers import unreachable_redis

    with unreachable_redis() as away:
        publisher = publishing.Publisher(away)
        started = time.monotonic()
        for n in range(50):
            publisher.put(agency.agency.id, [f"c:{n}"])
        assert time.monotonic() - started < 0.5
        assert publisher.flush(10)
        publisher.stop()
    publisher = publishing.Publisher(app.extensions["redis"])
    for _ in range(20):
        publisher.put(agency.agency.id, ["c:99", "s:1"])
    assert publisher.flush()
    raised = live.versions(agency.agency.id, ["c:99", "s:1"])
    assert all(1 <= int(v) <= 20 for v in raised)  # gathered into fewer round trips
    publisher.stop()


def _published(pubsub) -> list[str]:
    """The topics of each message on the channel so far."""
    found = []
    while (message := _next_message(pubsub, timeout=0.2)) is not None:
        found.append(message["data"].decode())
    return found


def test_changes_close_together_go_out_in_one_round_trip(app, agency):
    """Only the first change wakes the publisher, which lets the others join it for its
    linger: five commits a few milliseconds apart are one message, each topic raised
    once."""
    redis = app.extensions["redis"]
    pubsub = redis.pubsub()
    pubsub.psubscribe(publishing.pattern(redis))
    publisher = publishing.Publisher(redis, linger=0.5)
    for n in range(5):
        publisher.put(agency.agency.id, [f"c:{n}", "s:1"])
        time.sleep(0.005)
    messages = _published(pubsub)
    assert publisher.flush()
    messages += _published(pubsub)
    assert messages == ["c:0 c:1 c:2 c:3 c:4 s:1"]
    assert live.versions(agency.agency.id, ["c:0", "c:4", "s:1"]) == [b"1", b"1", b"1"]
    publisher.stop()
    pubsub.close()


def test_a_flush_does_not_wait_out_the_linger(app, agency):
    publisher = publishing.Publisher(app.extensions["redis"], linger=30)
    publisher.put(agency.agency.id, ["c:1"])
    started = time.monotonic()
    assert publisher.flush(10)
    assert time.monotonic() - started < 5
    assert live.versions(agency.agency.id, ["c:1"]) == [b"1"]
    publisher.stop()
