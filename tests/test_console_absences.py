"""A secretary's absences from the console's secretary page, and the rules the API shares."""

from datetime import date

import pytest
from sqlalchemy import select

from agency.domains.staff.models import Absence, Secretary
from agency.domains.staff.services import add_absence
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, sign_in


def _absences(agency):
    with use_agency(agency.agency.id):
        rows = db.session.scalars(select(Absence).order_by(Absence.starts_on)).all()
        return [(a.secretary_id, a.starts_on, a.ends_on, a.kind, a.note) for a in rows]


def _page(agency):
    return f"/console/secretaries/{agency.profile.id}"


def _add(http, agency, **fields):
    data = {f"absence-{k}": v for k, v in fields.items()}
    return post_form(http, f"{_page(agency)}/absences", data, page=_page(agency))


@pytest.fixture
def manager(client, agency):
    sign_in(client, agency.manager)
    return client


def test_a_manager_adds_an_absence_and_sees_it_on_the_secretary_page(manager, agency):
    response = _add(
        manager, agency, starts_on="2026-08-03", ends_on="2026-08-14", kind="leave", note="Summer"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{_page(agency)}#absences")
    assert _absences(agency) == [
        (agency.profile.id, date(2026, 8, 3), date(2026, 8, 14), "leave", "Summer")
    ]
    page = manager.get(_page(agency)).get_data(as_text=True)
    assert "Aug 3, 2026" in page and "Aug 14, 2026" in page and "Summer" in page
    assert "Leave" in page


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        (
            {"starts_on": "2026-08-14", "ends_on": "2026-08-01", "kind": "sick"},
            422,
            "The end date is before the start date.",
        ),
        (
            {"starts_on": "2026-08-01", "ends_on": "2026-08-02", "kind": "holiday"},
            422,
            "Must be one of: leave, sick, training, other.",
        ),
        ({"starts_on": "soon", "ends_on": "2026-08-02", "kind": "leave"}, 422, "YYYY-MM-DD"),
        ({"starts_on": "", "ends_on": "", "kind": "leave"}, 422, "This field is required."),
        (
            {"starts_on": "2026-07-30", "ends_on": "2026-08-03", "kind": "training"},
            409,
            "This overlaps the absence from Aug 1, 2026 to Aug 5, 2026.",
        ),
    ],
)
def test_bad_absences_are_refused_beside_the_field_and_nothing_is_written(
    manager, agency, fields, status, message
):
    assert _add(manager, agency, starts_on="2026-08-01", ends_on="2026-08-05").status_code == 302
    before = _absences(agency)
    response = _add(manager, agency, **fields)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="Alpha Secretary"' in page  # the secretary's own form is still filled in
    assert _absences(agency) == before


def test_absences_of_one_secretary_may_touch_but_not_overlap(manager, agency):
    assert _add(manager, agency, starts_on="2026-08-01", ends_on="2026-08-05").status_code == 302
    assert _add(manager, agency, starts_on="2026-08-06", ends_on="2026-08-06").status_code == 302
    assert _add(manager, agency, starts_on="2026-08-06", ends_on="2026-08-09").status_code == 409
    # Another secretary may be away on the same days.
    with use_agency(agency.agency.id):
        other = Secretary(name="Rita Alves", email="rita@alpha.example")
        db.session.add(other)
        db.session.commit()
        add_absence(other, {"starts_on": "2026-08-01", "ends_on": "2026-08-05"})
    assert len(_absences(agency)) == 3


def test_an_absence_post_without_the_csrf_token_is_refused(manager, agency):
    response = manager.post(
        f"{_page(agency)}/absences",
        data={"absence-starts_on": "2026-08-01", "absence-ends_on": "2026-08-02"},
    )
    assert response.status_code == 400
    assert _absences(agency) == []


def test_a_manager_removes_an_absence(manager, agency):
    _add(manager, agency, starts_on="2026-08-01", ends_on="2026-08-05", kind="sick")
    ((_sid, *_rest),) = _absences(agency)
    with use_agency(agency.agency.id):
        absence_id = db.session.scalar(select(Absence.id))
    url = f"{_page(agency)}/absences/{absence_id}/remove"
    assert manager.post(url).status_code == 400  # no CSRF token: nothing removed
    assert len(_absences(agency)) == 1
    response = post_form(manager, url, {}, page=_page(agency))
    assert response.status_code == 302
    assert _absences(agency) == []
    assert "No absences recorded." in manager.get(_page(agency)).get_data(as_text=True)


def test_an_absence_is_removed_only_through_its_own_secretary(manager, agency):
    _add(manager, agency, starts_on="2026-08-01", ends_on="2026-08-05")
    with use_agency(agency.agency.id):
        absence_id = db.session.scalar(select(Absence.id))
        other = Secretary(name="Rita Alves", email="rita@alpha.example")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    wrong = f"/console/secretaries/{other_id}/absences/{absence_id}/remove"
    assert post_form(manager, wrong, {}, page=_page(agency)).status_code == 404
    assert len(_absences(agency)) == 1


def test_secretaries_cannot_manage_absences(client, agency):
    sign_in(client, agency.secretary)
    assert client.get(_page(agency)).status_code == 403
    response = post_form(
        client,
        f"{_page(agency)}/absences",
        {"absence-starts_on": "2026-08-01", "absence-ends_on": "2026-08-02"},
        page="/account",
    )
    assert response.status_code == 403
    assert _absences(agency) == []


def test_another_agency_cannot_see_or_touch_the_absences(client, agency, other_agency):
    with use_agency(agency.agency.id):
        absence = add_absence(
            db.session.get(Secretary, agency.profile.id),
            {"starts_on": "2026-08-01", "ends_on": "2026-08-05", "note": "Alpha leave"},
        )
        absence_id = absence.id
    sign_in(client, other_agency.manager)
    assert client.get(_page(agency)).status_code == 404
    added = post_form(
        client,
        f"{_page(agency)}/absences",
        {"absence-starts_on": "2026-09-01", "absence-ends_on": "2026-09-02"},
        page="/account",
    )
    assert added.status_code == 404
    removed = post_form(
        client, f"{_page(agency)}/absences/{absence_id}/remove", {}, page="/account"
    )
    assert removed.status_code == 404
    own = client.get(f"/console/secretaries/{other_agency.profile.id}").get_data(as_text=True)
    assert "Alpha leave" not in own
    assert len(_absences(agency)) == 1


# --- the same rules over the API ------------------------------------------------------


@pytest.fixture
def api(client, agency):
    token = client.post(
        "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
    ).json["token"]

    def call(method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {token}"}
        )

    return call


def test_the_api_refuses_overlapping_absences_and_writes_nothing(api, agency):
    url = f"/api/v1/secretaries/{agency.profile.id}/absences"
    assert api("POST", url, {"starts_on": "2026-08-01", "ends_on": "2026-08-05"}).status_code == 201
    clash = api("POST", url, {"starts_on": "2026-08-05", "ends_on": "2026-08-07", "kind": "sick"})
    assert clash.status_code == 409
    assert clash.json["error"]["code"] == "conflict"
    assert "starts_on" in clash.json["error"]["fields"]
    bad_date = api("POST", url, {"starts_on": "first of May", "ends_on": "2026-08-07"})
    assert bad_date.status_code == 422
    assert bad_date.json["error"]["fields"]["starts_on"] == ["Enter a date as YYYY-MM-DD."]
    assert len(api("GET", url).json) == 1


def test_the_api_removes_only_the_secretarys_own_absence(api, agency):
    url = f"/api/v1/secretaries/{agency.profile.id}/absences"
    absence_id = api("POST", url, {"starts_on": "2026-08-01", "ends_on": "2026-08-05"}).json["id"]
    other = api("POST", "/api/v1/secretaries/", {"name": "Rita", "email": "rita@alpha.example"})
    wrong = f"/api/v1/secretaries/{other.json['id']}/absences/{absence_id}"
    assert api("DELETE", wrong).status_code == 404
    assert api("DELETE", f"{url}/{absence_id}").status_code == 200
    assert api("DELETE", f"{url}/{absence_id}").status_code == 404
