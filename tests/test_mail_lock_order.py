"""A batch reading replies locks its conversations' items in id order before it writes
to any of them, as a routing batch locks its items: with the older item held elsewhere,
the batch waits for it without holding the newer one (taken in message order, the two
kinds of batch deadlocked)."""

import threading

import psycopg
import pytest

from agency.domains.mail import settle
from agency.domains.mail.models import InboundEmail
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import rows
from tests.test_mail import deliver, message
from tests.test_worker_killed import _blocked_on_a_lock, _libpq, _wait_until

pytestmark = pytest.mark.postgres


def _item_of(agency, message_id: str) -> int:
    [email] = [e for e in rows(InboundEmail, agency.agency.id) if e.message_id == message_id]
    return email.work_item_id


def test_replies_wait_for_the_older_item_without_holding_the_newer(
    app, client, agency, inbox, database_urls
):
    key, address = inbox
    deliver(client, key, message(address, subject="Lease renewal", message_id="<a1@x.example>"))
    deliver(client, key, message(address, subject="Boiler repair", message_id="<b1@x.example>",
                                 sender="Rui Dono <rui@owner.example>"))  # fmt: skip
    older, newer = _item_of(agency, "<a1@x.example>"), _item_of(agency, "<b1@x.example>")
    assert older < newer
    # The replies come newer item first; the hook keeps them, the reading waits.
    for raw in (
        message(address, subject="Re: Boiler repair", message_id="<b2@x.example>",
                sender="Rui Dono <rui@owner.example>", In_Reply_To="<b1@x.example>"),
        message(address, subject="Re: Lease renewal", message_id="<a2@x.example>",
                In_Reply_To="<a1@x.example>"),
    ):  # fmt: skip
        headers = {"Content-Type": "message/rfc822", "X-Inbound-Key": key}
        kept = client.post("/hooks/email/inbound", data=raw, headers=headers)
        assert kept.status_code in (200, 201)
    db.session.remove()

    owner = _libpq(database_urls[1])
    holder, watcher, prober = (psycopg.connect(owner) for _ in range(3))
    watcher.autocommit = True
    reading = threading.Thread(target=_read, args=(app, agency.agency.id))
    try:
        holder.execute("SELECT id FROM work_items WHERE id = %s FOR UPDATE", (older,))
        reading.start()
        _wait_until(lambda: _blocked_on_a_lock(watcher), "the batch to wait for the older item")
        # The newer item is free: the batch took nothing before the older one.
        prober.execute("SELECT id FROM work_items WHERE id = %s FOR UPDATE NOWAIT", (newer,))
        prober.rollback()
        holder.rollback()
        reading.join(timeout=30)
    finally:
        holder.rollback()
        for connection in (holder, watcher, prober):
            connection.close()
    assert _item_of(agency, "<b2@x.example>") == newer
    assert _item_of(agency, "<a2@x.example>") == older


def _read(app, agency_id: int) -> None:
    """What the reading job does (``settle.drain`` without its pending key)."""
    with app.app_context(), use_agency(agency_id):
        settle.read_all()
        db.session.remove()
