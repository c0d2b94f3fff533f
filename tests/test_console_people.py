"""The console's pages for secretaries, clients, contacts and matching."""

from sqlalchemy import select

from agency.domains.clients.models import Assignment, Client, Contact
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, sign_in

SECRETARY_FORM = {
    "name": "Rita Alves",
    "email": "rita@alpha.example",
    "phone": "+351 21 345 6789",
    "timezone": "Europe/Lisbon",
    "languages": "pt native, en C1",
    "specialities": "medical: Terminology course",
    "skills": "typing_wpm=85, customer_service=5",
    "schedule": "mon-fri 09:00-13:00 14:00-18:00",
    "capacity_clients": "4",
    "capacity_items": "8",
    "cost_rate": "18.50",
    "team_lead_id": "",
}


def _rows(agency, model):
    with use_agency(agency.agency.id):
        return db.session.scalars(select(model).order_by(model.id)).all()


def test_a_manager_adds_a_secretary_from_the_console(client, agency):
    sign_in(client, agency.manager)
    response = post_form(client, "/console/secretaries/new", SECRETARY_FORM)
    assert response.status_code == 302
    rita = _rows(agency, Secretary)[-1]
    assert rita.languages == [{"code": "pt", "level": "native"}, {"code": "en", "level": "C1"}]
    assert rita.schedule["fri"] == [["09:00", "13:00"], ["14:00", "18:00"]]
    assert rita.cost_rate_minor == 1850 and rita.phone == "+351213456789"
    page = client.get("/console/secretaries?q=rita").get_data(as_text=True)
    assert "Rita Alves" in page and "Alpha Secretary" not in page


def test_bad_secretary_fields_are_shown_beside_them_and_nothing_is_written(client, agency):
    sign_in(client, agency.manager)
    before = len(_rows(agency, Secretary))
    for change, message in [
        ({"timezone": "Mars/Base"}, "Unknown time zone: Mars/Base."),
        ({"phone": "12345"}, "Enter the number in international form"),
        ({"languages": "klingon"}, "Write languages as a code and a level"),
        ({"languages": "zz B2"}, "zz is not an ISO 639-1 language code."),
        ({"schedule": "someday 9-5"}, "Write one line per day or range"),
        ({"capacity_clients": "-2"}, "Must be greater than or equal to 0"),
        ({"cost_rate": "lots"}, "Enter an amount"),
    ]:
        response = post_form(
            client,
            "/console/secretaries/new",
            {**SECRETARY_FORM, **change},
            page="/console/secretaries/new",
        )
        assert response.status_code == 422, change
        page = response.get_data(as_text=True)
        assert message in page, change
        assert 'value="Rita Alves"' in page  # nothing else typed is lost
    assert len(_rows(agency, Secretary)) == before


def test_the_manager_creates_a_client_opens_matches_and_assigns_the_top_one(client, agency):
    sign_in(client, agency.owner)
    post_form(client, "/console/secretaries/new", SECRETARY_FORM)
    created = post_form(
        client,
        "/console/clients/new",
        {
            "name": "Clínica Ferreira",
            "timezone": "Europe/Lisbon",
            "languages": "pt",
            "required_specialities": "medical",
            "business_hours": "mon-fri 09:00-17:00",
            "greeting": "Bom dia, Clínica Ferreira.",
        },
    )
    assert created.status_code == 302 and "/matches" in created.headers["Location"]
    matches = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "Rita Alves" in matches and "speaks Portuguese natively" in matches
    assert "does not speak Portuguese at B2 or better" in matches  # Alpha Secretary speaks only en
    ferreira = next(c for c in _rows(agency, Client) if c.name == "Clínica Ferreira")
    rita = next(s for s in _rows(agency, Secretary) if s.name == "Rita Alves")
    page = created.headers["Location"]
    post_form(
        client,
        f"/console/clients/{ferreira.id}/assign",
        {"secretary_id": str(rita.id), "role": "primary"},
        page=page,
    )
    assignments = [(a.client_id, a.secretary_id, a.role) for a in _rows(agency, Assignment)]
    assert (ferreira.id, rita.id, "primary") in assignments
    assert "Rita Alves" in client.get("/console/clients").get_data(as_text=True)


def test_contacts_are_added_from_the_client_page(client, agency):
    sign_in(client, agency.owner)
    url = f"/console/clients/{agency.client.id}"
    bad = post_form(
        client,
        f"{url}/contacts",
        {"contact-name": "Dr. Reis", "contact-kind": "partner", "contact-phone": "99"},
        page=url,
    )
    assert bad.status_code == 422 and _rows(agency, Contact) == []
    page = bad.get_data(as_text=True)
    assert 'value="Alpha Client"' in page  # the client form still shows the client
    assert 'value="Dr. Reis"' in page  # and the contact form what was typed
    good = post_form(
        client,
        f"{url}/contacts",
        {"contact-name": "Dr. Reis", "contact-kind": "partner", "contact-vip": "y"},
        page=url,
    )
    assert good.status_code == 302
    assert [(c.name, c.vip) for c in _rows(agency, Contact)] == [("Dr. Reis", True)]
    assert "Dr. Reis" in client.get(url).get_data(as_text=True)
