"""One agency's campaigns share one pace, however many jobs send them at once: two
clients' campaigns sent side by side keep together to the agency's messages per second,
counted in Redis, and both go out in full."""

from datetime import timedelta

from sqlalchemy import insert, select

from agency.domains.accounts.models import User
from agency.domains.clients.models import Client, Contact
from agency.domains.promotions import campaigns, sending
from agency.domains.promotions.models import Consent, Recipient
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.together import run_together

EACH, LIMIT = 12, 8


def _campaign(agency, client_id: int, tag: str) -> int:
    rows = [
        {"client_id": client_id, "name": f"Reader {n}", "kind": "customer",
         "email": f"{tag}{n}@pace.example", "agency_id": agency.agency.id}
        for n in range(EACH)
    ]  # fmt: skip
    ids = db.session.scalars(insert(Contact).returning(Contact.id), rows).all()
    db.session.execute(
        insert(Consent),
        [{"client_id": client_id, "contact_id": i, "given": True, "method": "in_person",
          "agency_id": agency.agency.id} for i in ids],
    )  # fmt: skip
    made = campaigns.create(
        db.session.get(Client, client_id),
        {"subject": "Offer", "body": "Hello {name}",
         "send_at": (clock.now() + timedelta(minutes=1)).isoformat()},
        db.session.get(User, agency.secretary.id),
    )  # fmt: skip
    campaigns.submit(made)
    campaigns.approve(made)
    made.status = "sending"
    db.session.commit()
    return made.id


def test_two_clients_campaigns_keep_together_to_the_agencys_pace(app, agency, mail):
    app.config.update(CAMPAIGN_MESSAGES_PER_SECOND=0, CAMPAIGN_AGENCY_MESSAGES_PER_SECOND=LIMIT,
                      CAMPAIGN_SMTP_CONNECTIONS=2, CAMPAIGN_SLICE_SECONDS=60)  # fmt: skip
    with use_agency(agency.agency.id):
        second = Client(name="Second Client", timezone="UTC", agency_id=agency.agency.id)
        db.session.add(second)
        db.session.flush()
        ids = [_campaign(agency, agency.client.id, "first"), _campaign(agency, second.id, "two")]
    db.session.remove()

    def run(campaign_id):
        with app.app_context(), use_agency(agency.agency.id):
            sending.send(campaign_id)

    errors = run_together(run, [(i,) for i in ids])
    assert not errors, errors

    redis = app.extensions["redis"]
    seconds = {k: int(redis.get(k)) for k in redis.scan_iter(f"pace:agency:{agency.agency.id}:*")}
    assert sum(seconds.values()) == 2 * EACH, seconds
    assert max(seconds.values()) <= LIMIT and len(seconds) >= 3, seconds
    assert len(mail.messages) == 2 * EACH
    with use_agency(agency.agency.id):
        sent = db.session.scalars(select(Recipient.sent_at).where(Recipient.status == "sent"))
        sent = sorted(sent)
    assert len(sent) == 2 * EACH
    # 24 messages at 8 a second fill three clock seconds: more than one whole second
    # passes between the first and the last.
    assert sent[-1] - sent[0] > timedelta(seconds=1)
