"""Plan templates and contracts from the console."""

from sqlalchemy import select

from agency.domains.contracts.models import Contract, ContractRevision, Plan
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, sign_in

PLAN = {
    "name": "Professional",
    "description": "For busy practices",
    "included_hours": "20",
    "hourly_rate": "35.50",
    "overage_rate": "42",
    "currency": "EUR",
    "rounding_minutes": "6",
    "minimum_minutes": "6",
}


def _rows(agency, model):
    with use_agency(agency.agency.id):
        return db.session.scalars(select(model).order_by(model.id)).all()


def test_a_plan_is_created_in_exact_minor_units(client, agency):
    sign_in(client, agency.manager)
    assert post_form(client, "/console/plans", PLAN).status_code == 302
    plan = _rows(agency, Plan)[-1]
    assert (plan.included_minutes, plan.hourly_rate_minor, plan.overage_rate_minor) == (
        1200,
        3550,
        4200,
    )
    assert "€35.50" in client.get("/console/plans").get_data(as_text=True)


def test_bad_plan_fields_are_shown_beside_them(client, agency):
    sign_in(client, agency.manager)
    response = post_form(
        client, "/console/plans", {**PLAN, "included_hours": "-3", "currency": "ZZZ"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="included_hours-error"' in page and "Unknown currency code: ZZZ." in page
    assert _rows(agency, Plan) == []


def test_a_contract_from_a_plan_and_its_history(client, agency):
    sign_in(client, agency.owner)
    post_form(client, "/console/plans", PLAN)
    plan = _rows(agency, Plan)[-1]
    url = f"/console/clients/{agency.client.id}/contracts/new"
    prefilled = client.get(f"{url}?plan_id={plan.id}").get_data(as_text=True)
    assert 'value="Professional"' in prefilled and 'value="35.50"' in prefilled
    fields = {
        **PLAN,
        "plan_id": str(plan.id),
        "plan_name": "Professional",
        "starts_on": "2027-01-01",
        "billing_day": "1",
        "status": "active",
    }
    fields.pop("name"), fields.pop("description")
    clash = post_form(client, url, fields)
    assert clash.status_code == 409
    assert "This client already has an active contract" in clash.get_data(as_text=True)

    old = _rows(agency, Contract)[0]
    edit = f"/console/contracts/{old.id}"
    ended = post_form(
        client,
        edit,
        {
            **fields,
            "plan_name": old.plan_name,
            "plan_id": "",
            "starts_on": "2026-01-01",
            "status": "ended",
            "included_hours": "10",
            "hourly_rate": "30",
            "overage_rate": "40",
        },
    )
    assert ended.status_code == 302, ended.get_data(as_text=True)
    assert post_form(client, url, fields).status_code == 302
    contracts = _rows(agency, Contract)
    assert [(c.plan_name, c.status) for c in contracts] == [
        ("Alpha Plan", "ended"),
        ("Professional", "active"),
    ]
    history = client.get(edit).get_data(as_text=True)
    assert "Status: active → ended" in history  # words, not the field's code
    assert "status:" not in history
    german = client.get(edit, headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Status: aktiv → beendet" in german, german.split("<table")[-1][:600]
    assert len(_rows(agency, ContractRevision)) == 2


def test_included_hours_show_as_typed_on_the_contract_page(client, agency):
    sign_in(client, agency.owner)
    page = client.get(f"/console/contracts/{agency.contract.id}").get_data(as_text=True)
    assert 'name="included_hours"' in page and 'value="10"' in page and "E+" not in page
