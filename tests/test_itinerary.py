"""A trip's itinerary: emailed to the client in their name with the same itinerary as a
PDF (each end of each segment on its own clock), downloadable from the portal and the
API; a trip with nothing to send, or a client without an address, is refused and sends
nothing."""

import io

from pypdf import PdfReader

from agency.domains.clients.models import Client
from agency.domains.mail.models import Draft
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import rows
from tests.mailbox import body
from tests.test_trips import flight, lisbon, new_trip  # noqa: F401 - the fixture

HOTEL = {"kind": "hotel", "name": "The Jane", "check_in": "2027-03-14",
         "check_out": "2027-03-17", "from_zone": "America/New_York"}  # fmt: skip


def test_the_itinerary_is_emailed_to_the_client_with_its_pdf(client, lisbon, drain, mail):  # noqa: F811
    call, trip = new_trip(client, lisbon)
    empty = call("POST", f"{trip}/itinerary/send")
    assert empty.status_code == 422 and rows(Draft, lisbon.agency.id) == []
    for segment in (flight(), HOTEL):
        assert call("POST", f"{trip}/segments", segment).status_code == 201
    sent = call("POST", f"{trip}/itinerary/send")
    assert sent.status_code == 201, sent.json
    [draft] = rows(Draft, lisbon.agency.id)  # in the client's mail history
    assert (draft.id, draft.to_address) == (sent.json["draft_id"], "client@alpha.example")
    drain()
    message = mail.wait_for("client@alpha.example")
    assert message["Subject"] == "Itinerary: New York"
    text = body(message)
    assert "Flight TP 209 LIS → JFK" in text and "Hotel: The Jane" in text
    # Each end on its own clock (CLDR puts a narrow no-break space before AM and PM).
    assert "Leaves 3/14/27, 10:00\u202fAM (Europe/Lisbon)" in text
    assert "Arrives 3/14/27, 12:30\u202fPM (America/New_York)" in text
    name = f"itinerary-{trip.rsplit('/', 1)[1]}.pdf"
    [part] = [p for p in message.walk() if p.get_filename() == name]
    pages = PdfReader(io.BytesIO(part.get_payload(decode=True))).pages
    printed = " ".join(page.extract_text() for page in pages)
    assert "TP 209" in printed and "12:30" in printed and "The Jane" in printed

    mine = api_as(client, lisbon.client_user)
    fetched = mine("GET", f"{trip}/itinerary.pdf")
    assert fetched.status_code == 200 and fetched.data.startswith(b"%PDF")
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert mine("POST", f"{trip}/itinerary/send").status_code == 403

    with use_agency(lisbon.agency.id):
        db.session.get(Client, lisbon.client.id).email = None
        db.session.commit()
    db.session.remove()
    nowhere = call("POST", f"{trip}/itinerary/send")
    assert nowhere.status_code == 422 and "no email address" in nowhere.json["error"]["message"]
    assert len(rows(Draft, lisbon.agency.id)) == 1
