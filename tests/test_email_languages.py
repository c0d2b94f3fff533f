"""Every email a person gets is in that person's language: the language a user chose,
else a client's first language, else the agency's. Each of the product's emails is sent
in each of the six languages and read back from the SMTP server: no English sentence of
the catalogue is left in a non-English email, and no code (snake_case) in any."""

from datetime import UTC, datetime

import pytest

from agency.domains.accounts.models import User
from agency.domains.clients.models import Client
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.i18n import LANGUAGES
from tenants import Agency, use_agency
from tests.billing_seed import work
from tests.conftest import PASSWORD, post_form, sign_in
from tests.i18n_check import problems
from tests.mailbox import body


def _speak(agency, language):
    """Everyone of agency A reads ``language``: the agency, its people and its client."""
    with use_agency(agency.agency.id):
        db.session.get(Agency, agency.agency.id).locale = language
        for user in db.session.query(User).all():
            user.locale = language
        db.session.get(Client, agency.client.id).languages = [language]
        db.session.commit()


def _send_every_email(client, agency, drain):
    """Each email of the product, to agency A's people and client."""
    sign_in(client, agency.manager)
    token = client.post(
        "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
    ).json["token"]
    made = client.post(
        "/api/v1/messages/",
        json={"client_id": agency.client.id, "reason": "Server down", "urgency": "urgent",
              "number": "+351912000111", "callback_wanted": True},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert made.status_code == 201, made.json
    invited = post_form(
        client,
        "/console/team/invitations",
        {"name": "Sanne", "email": "sanne@alpha.example", "role": "secretary"},
        page="/console/team",
    )
    assert invited.status_code == 302
    stranger = client.application.test_client()
    forgot = {"email": agency.manager.email}
    post_form(stranger, "/password/forgot", forgot, page="/password/forgot")
    clock.freeze(datetime(2026, 11, 20, 12, tzinfo=UTC))
    try:
        work(agency.agency.id, agency.client.id, datetime(2026, 11, 2, 9, tzinfo=UTC), 660)
        drain()
    finally:
        clock.freeze(None)
    drain()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_email_is_in_its_readers_language(app, client, agency, mail, drain, language):
    _speak(agency, language)
    _send_every_email(client, agency, drain)
    purposes = {m["Subject"] for m in mail.messages}
    assert len(mail.messages) >= 6, purposes  # message, invitation, reset, 3 alerts
    found = []
    for message in mail.messages:
        text = f"{message['Subject']}\n{body(message)}"
        found += problems(text, language, message["Subject"])
    assert not found, "\n".join(found)
