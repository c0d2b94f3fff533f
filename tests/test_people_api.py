"""Secretaries, clients, contacts, plans, contracts and assignments through the API."""

import pytest
from sqlalchemy import func, select

from agency.domains.clients.models import Assignment, Client, Contact
from agency.domains.contracts.models import Contract, ContractRevision
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD


@pytest.fixture
def api(client, agency):
    token = client.post(
        "/api/v1/auth/token", json={"email": agency.owner.email, "password": PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, url, json=None):
        return client.open(url, method=method, json=json, headers=headers)

    return call


def _count(agency, model):
    with use_agency(agency.agency.id):
        return db.session.scalar(select(func.count(model.id)))


SECRETARY = {
    "name": "Marta Silva",
    "email": "marta@alpha.example",
    "phone": "+351 21 345 6789",
    "timezone": "Europe/Lisbon",
    "languages": [{"code": "pt", "level": "native"}, {"code": "en", "level": "C1"}],
    "skills": {"typing_wpm": 80, "customer_service": 5},
    "specialities": [{"code": "medical", "training": "Terminology course 2020"}],
    "schedule": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]]},
    "capacity_clients": 4,
}


def test_a_secretary_is_created_read_updated_and_archived(api, agency):
    created = api("POST", "/api/v1/secretaries/", SECRETARY)
    assert created.status_code == 201, created.json
    assert created.json["phone"] == "+351213456789"
    sid = created.json["id"]
    assert api("GET", f"/api/v1/secretaries/{sid}").json["languages"][0] == {
        "code": "pt",
        "level": "native",
    }
    updated = api("PATCH", f"/api/v1/secretaries/{sid}", {"capacity_clients": 6})
    assert updated.json["capacity_clients"] == 6 and updated.json["name"] == "Marta Silva"
    assert [s["name"] for s in api("GET", "/api/v1/secretaries/?q=marta").json] == ["Marta Silva"]
    assert api("DELETE", f"/api/v1/secretaries/{sid}").json["archived_at"]
    assert "Marta Silva" not in [s["name"] for s in api("GET", "/api/v1/secretaries/").json]


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone", "Unknown time zone: Europe/Atlantis."),
        ({"phone": "+44 12"}, "phone", "This is not a valid phone number."),
        ({"languages": [{"code": "xx", "level": "B2"}]}, "languages", "xx is not an ISO 639-1"),
        ({"languages": [{"code": "pt", "level": "fluent"}]}, "languages", "Must be one of"),
        ({"capacity_clients": -1}, "capacity_clients", "Must be greater than or equal to 0"),
        ({"schedule": {"mon": [["18:00", "09:00"]]}}, "schedule", "the start first"),
    ],
)
def test_bad_secretary_input_is_refused_and_writes_nothing(api, agency, change, field, message):
    before = _count(agency, Secretary)
    response = api("POST", "/api/v1/secretaries/", {**SECRETARY, **change})
    assert response.status_code == 422
    assert message in " ".join(response.json["error"]["fields"][field])
    assert _count(agency, Secretary) == before


def test_a_duplicate_secretary_email_is_a_conflict(api, agency):
    api("POST", "/api/v1/secretaries/", SECRETARY)
    again = api("POST", "/api/v1/secretaries/", SECRETARY)
    assert again.status_code == 409
    assert _count(agency, Secretary) == 2


def test_clients_and_their_contacts(api, agency):
    created = api(
        "POST",
        "/api/v1/clients/",
        {
            "name": "Ferreira Dental",
            "phone": "+351 21 000 0000",
            "timezone": "Europe/Lisbon",
            "languages": ["pt", "en"],
            "business_hours": {"mon": [["09:00", "18:00"]]},
        },
    )
    assert created.status_code == 201, created.json
    cid = created.json["id"]
    bad = api("POST", f"/api/v1/clients/{cid}/contacts", {"name": "X", "phone": "12"})
    assert bad.status_code == 422 and "phone" in bad.json["error"]["fields"]
    contact = api(
        "POST",
        f"/api/v1/clients/{cid}/contacts",
        {"name": "Hospital São José", "kind": "partner", "vip": True, "phone": "+351218841000"},
    )
    assert contact.status_code == 201
    listed = api("GET", f"/api/v1/clients/{cid}/contacts").json
    assert [(c["name"], c["vip"]) for c in listed] == [("Hospital São José", True)]
    assert _count(agency, Contact) == 1
    other = agency.client.id
    assert api("GET", f"/api/v1/clients/{other}/contacts/{contact.json['id']}").status_code == 404


def test_bad_client_input_is_refused(api, agency):
    before = _count(agency, Client)
    response = api("POST", "/api/v1/clients/", {"name": "X", "timezone": "Nowhere/Here"})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["timezone"] == ["Unknown time zone: Nowhere/Here."]
    assert _count(agency, Client) == before


TERMS = {
    "plan_name": "Starter",
    "included_minutes": 600,
    "hourly_rate_minor": 3500,
    "overage_rate_minor": 4500,
    "currency": "eur",
    "rounding_minutes": 6,
    "starts_on": "2026-12-01",
}


def test_plans_and_contracts_with_history(api, agency):
    plan_terms = {k: v for k, v in TERMS.items() if k not in ("plan_name", "starts_on")}
    plan = api("POST", "/api/v1/plans/", {**plan_terms, "name": "Starter"})
    assert plan.status_code == 201 and plan.json["currency"] == "EUR"
    api("PATCH", f"/api/v1/contracts/{_active_contract(agency)}", {"status": "ended"})
    contract = api(
        "POST",
        "/api/v1/contracts/",
        {**TERMS, "client_id": agency.client.id, "plan_id": plan.json["id"], "status": "active"},
    )
    assert contract.status_code == 201, contract.json
    changed = api("PATCH", f"/api/v1/contracts/{contract.json['id']}", {"included_minutes": 900})
    assert changed.json["included_minutes"] == 900
    revisions = api("GET", f"/api/v1/contracts/{contract.json['id']}/revisions").json
    assert len(revisions) == 2
    assert revisions[1]["before"]["included_minutes"] == 600
    assert revisions[1]["after"]["included_minutes"] == 900


def _active_contract(agency) -> int:
    with use_agency(agency.agency.id):
        return db.session.scalar(select(Contract.id).where(Contract.status == "active"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"included_minutes": -60}, "included_minutes"),
        ({"rounding_minutes": 5}, "rounding_minutes"),
        ({"currency": "XYZ"}, "currency"),
        ({"ends_on": "2026-01-01"}, "ends_on"),
        ({"status": "active"}, "status"),
    ],
)
def test_bad_contracts_are_refused_and_write_nothing(api, agency, change, field):
    before = (_count(agency, Contract), _count(agency, ContractRevision))
    response = api("POST", "/api/v1/contracts/", {**TERMS, "client_id": agency.client.id, **change})
    assert response.status_code in (409, 422), response.json
    assert field in response.json["error"]["fields"], response.json
    assert (_count(agency, Contract), _count(agency, ContractRevision)) == before


def test_reassigning_the_primary_keeps_history(api, agency):
    sid = api("POST", "/api/v1/secretaries/", SECRETARY).json["id"]
    cid = agency.client.id
    assigned = api("POST", "/api/v1/assignments/", {"client_id": cid, "secretary_id": sid})
    assert assigned.status_code == 201
    history = api("GET", f"/api/v1/clients/{cid}/assignments").json
    ended = [a for a in history if a["ended_at"]]
    current = [a for a in history if not a["ended_at"]]
    assert [a["secretary_id"] for a in ended] == [agency.profile.id]
    assert [(a["secretary_id"], a["role"]) for a in current] == [(sid, "primary")]
    with use_agency(agency.agency.id):
        assert db.session.scalar(select(func.count(Assignment.id))) == 2


def test_the_people_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in (
        "/api/v1/secretaries/{secretary_id}",
        "/api/v1/clients/{client_id}/contacts",
        "/api/v1/clients/{client_id}/matches",
        "/api/v1/plans/",
        "/api/v1/contracts/{contract_id}/revisions",
        "/api/v1/assignments/",
    ):
        assert path in paths, path
    assert set(paths["/api/v1/secretaries/{secretary_id}"]) >= {"get", "patch", "delete"}


def test_absences_are_added_listed_and_removed(api, agency):
    url = f"/api/v1/secretaries/{agency.profile.id}/absences"
    bad = api("POST", url, {"starts_on": "2026-08-14", "ends_on": "2026-08-01"})
    assert bad.status_code == 422 and "ends_on" in bad.json["error"]["fields"]
    wrong_kind = api("POST", url, {"starts_on": "2026-08-01", "ends_on": "2026-08-02", "kind": "x"})
    assert wrong_kind.status_code == 422 and "kind" in wrong_kind.json["error"]["fields"]
    added = api("POST", url, {"starts_on": "2026-08-01", "ends_on": "2026-08-14", "kind": "sick"})
    assert added.status_code == 201
    assert [(a["starts_on"], a["kind"]) for a in api("GET", url).json] == [("2026-08-01", "sick")]
    assert api("DELETE", f"{url}/{added.json['id']}").status_code == 200
    assert api("GET", url).json == []
