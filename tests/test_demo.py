"""The demo agency `make run` loads, and the three home pages showing it."""

import pytest
from sqlalchemy import func, select

from agency.demo import DEMO_PASSWORD, DEMO_SLUG
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from tenants import directory, use_agency
from tests.conftest import post_form

pytestmark = pytest.mark.sqlite


def _load(app):
    return app.test_cli_runner().invoke(args=["demo", "load"])


def test_demo_load_is_idempotent_and_prints_logins(app):
    first = _load(app)
    assert first.exit_code == 0, first.output
    assert "manager@aurora.example" in first.output and DEMO_PASSWORD in first.output
    assert "reception@clinic.example" in first.output
    second = _load(app)
    assert "already loaded" in second.output
    agency = directory.agency_at(DEMO_SLUG)
    with use_agency(agency.id):
        assert db.session.scalar(select(func.count(Secretary.id))) == 3
        assert db.session.scalar(select(func.count(Client.id))) == 3
        assert (
            db.session.scalar(select(func.count(Contract.id)).where(Contract.status == "active"))
            == 3
        )
        languages = {e["code"] for s in db.session.scalars(select(Secretary)) for e in s.languages}
        assert {"pt", "de", "id"} <= languages


def _sign_in(app, email):
    http = app.test_client()
    response = post_form(http, "/login", {"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return http, response.headers["Location"]


def test_the_three_surfaces_show_the_demo_agencys_data(app):
    _load(app)
    console, home = _sign_in(app, "manager@aurora.example")
    page = console.get(home).get_data(as_text=True)
    assert "Aurora Secretarial" in page and "Keller &amp; Partner" in page and "Ana Costa" in page

    desk, home = _sign_in(app, "ana@aurora.example")
    page = desk.get(home).get_data(as_text=True)
    assert home.endswith("/desk/") and "Dr. Silva Clinic" in page and "Bom dia" in page

    portal, home = _sign_in(app, "silva@clinic.example")
    page = portal.get(home).get_data(as_text=True)
    assert home.endswith("/portal/") and "Professional" in page and "Ana Costa" in page

    reception, home = _sign_in(app, "reception@clinic.example")
    page = reception.get(home).get_data(as_text=True)
    assert home.endswith("/portal/") and "Ana Costa" in page and "Professional" not in page
    assert reception.get("/portal/invoices").status_code == 403
