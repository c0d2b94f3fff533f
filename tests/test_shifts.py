"""Date overrides of a secretary's hours: the working calendar on its own, the API, the
console's secretary page, the desk, and the dashboard's scheduled hours."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from agency.domains.reports import services as reports
from agency.domains.sla.services import add_holiday
from agency.domains.staff.models import Secretary, ShiftOverride
from agency.domains.staff.schedule import WorkingCalendar, spans_on, working_at, working_spans_utc
from agency.domains.staff.services import add_shift_override
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, sign_in

WEEKDAYS_9_TO_5 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
TUESDAY = date(2026, 3, 24)
SATURDAY = date(2026, 3, 28)


# --- the calendar ---------------------------------------------------------------------


def test_an_absence_beats_an_override_which_beats_a_holiday_which_beats_the_week():
    calendar = WorkingCalendar(
        "Europe/Lisbon",
        WEEKDAYS_9_TO_5,
        away=frozenset({date(2026, 3, 23)}),
        holidays=frozenset({TUESDAY, date(2026, 3, 23), date(2026, 3, 25)}),
        overrides={date(2026, 3, 23): [["10:00", "12:00"]], TUESDAY: [["10:00", "12:00"]]},
    )
    assert spans_on(calendar, date(2026, 3, 23)) == []  # absent
    assert spans_on(calendar, TUESDAY) == [["10:00", "12:00"]]  # overridden on a holiday
    assert spans_on(calendar, date(2026, 3, 25)) == []  # a holiday
    assert spans_on(calendar, date(2026, 3, 26)) == [["09:00", "17:00"]]
    assert spans_on(calendar, SATURDAY) == []


def test_working_at_reads_the_secretarys_local_day_across_the_dst_change():
    calendar = WorkingCalendar(
        "Europe/Lisbon", {}, overrides={date(2026, 3, 29): [["09:00", "10:00"]]}
    )
    # Clocks go forward at 01:00 UTC on 29 March: 08:30 UTC is 09:30 local.
    assert working_at(calendar, datetime(2026, 3, 29, 8, 30, tzinfo=UTC))
    assert not working_at(calendar, datetime(2026, 3, 29, 9, 0, tzinfo=UTC))
    assert working_spans_utc(calendar, date(2026, 3, 29), 1) == [
        (datetime(2026, 3, 29, 8, 0, tzinfo=UTC), datetime(2026, 3, 29, 9, 0, tzinfo=UTC))
    ]


# --- the API ----------------------------------------------------------------------------


@pytest.fixture
def api(client, agency):
    token = client.post(
        "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
    ).json["token"]

    def request(method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {token}"}
        )

    return request


def _url(agency):
    return f"/api/v1/secretaries/{agency.profile.id}/shift-overrides"


def test_api_lists_adds_and_removes_date_overrides(api, agency):
    extra = {"day": "2026-03-28", "spans": [["14:00", "18:00"], ["09:00", "13:00"]], "note": "Fair"}
    added = api("POST", _url(agency), extra)
    assert added.status_code == 201, added.json
    assert added.json["spans"] == [["09:00", "13:00"], ["14:00", "18:00"]]  # in order
    day_off = api("POST", _url(agency), {"day": "2026-03-30", "spans": []})
    assert day_off.status_code == 201 and day_off.json["spans"] == []
    listed = api("GET", _url(agency)).json
    assert [(o["day"], o["note"]) for o in listed] == [("2026-03-28", "Fair"), ("2026-03-30", None)]
    removed = api("DELETE", f"{_url(agency)}/{day_off.json['id']}")
    assert removed.status_code == 200
    assert [o["day"] for o in api("GET", _url(agency)).json] == ["2026-03-28"]
    paths = api("GET", "/api/v1/openapi.json").json["paths"]
    assert "/api/v1/secretaries/{secretary_id}/shift-overrides" in paths
    assert "delete" in paths["/api/v1/secretaries/{secretary_id}/shift-overrides/{override_id}"]


def test_a_second_override_for_the_same_day_is_a_conflict(api, agency):
    assert api("POST", _url(agency), {"day": "2026-03-28", "spans": []}).status_code == 201
    again = api("POST", _url(agency), {"day": "2026-03-28", "spans": [["09:00", "12:00"]]})
    assert again.status_code == 409
    assert "already has other hours" in again.json["error"]["message"]
    assert again.json["error"]["fields"]["day"]
    with use_agency(agency.agency.id):
        assert len(db.session.scalars(select(ShiftOverride)).all()) == 1


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        (
            [["09:00", "13:00"], ["12:00", "15:00"]],
            "The spans 09:00-13:00 and 12:00-15:00 overlap.",
        ),
        ([["13:00", "09:00"]], "Each span is a start and an end, HH:MM, the start first."),
        ([["9", "13:00"]], "Each span is a start and an end, HH:MM, the start first."),
        ("09:00-13:00", "Give the day's hours"),
    ],
)
def test_bad_spans_are_refused_with_a_clear_message(api, agency, spans, message):
    response = api("POST", _url(agency), {"day": "2026-03-28", "spans": spans})
    assert response.status_code == 422
    assert any(message in m for m in response.json["error"]["fields"]["spans"])
    with use_agency(agency.agency.id):
        assert db.session.scalars(select(ShiftOverride)).all() == []


def test_weekly_hours_refuse_overlapping_spans_too(api, agency):
    response = api(
        "PATCH",
        f"/api/v1/secretaries/{agency.profile.id}",
        {"schedule": {"mon": [["09:00", "13:00"], ["12:30", "17:00"]]}},
    )
    assert response.status_code == 422 and "overlap" in str(response.json["error"]["fields"])


# --- the console and the desk -----------------------------------------------------------


def _page(agency):
    return f"/console/secretaries/{agency.profile.id}"


def _add(http, agency, **fields):
    data = {f"override-{k}": v for k, v in fields.items()}
    return post_form(http, f"{_page(agency)}/shift-overrides", data, page=_page(agency))


def test_a_manager_adds_lists_and_removes_date_overrides_on_the_secretary_page(client, agency):
    sign_in(client, agency.manager)
    response = _add(client, agency, day="2026-03-28", spans="10:00-13:00, 14:00-16:00", note="Fair")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{_page(agency)}#shift-overrides")
    _add(client, agency, day="2026-03-30", spans="", note="")
    page = client.get(_page(agency)).get_data(as_text=True)
    assert "Mar 28, 2026" in page and "10:00–13:00, 14:00–16:00" in page and "Fair" in page
    assert "Mar 30, 2026" in page and "Day off" in page
    with use_agency(agency.agency.id):
        first = db.session.scalar(select(ShiftOverride.id).where(ShiftOverride.day == SATURDAY))
    removed = post_form(
        client, f"{_page(agency)}/shift-overrides/{first}/remove", {}, page=_page(agency)
    )
    assert removed.status_code == 302
    assert "Mar 28, 2026" not in client.get(_page(agency)).get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"day": "2026-03-28", "spans": "9-5"}, 422, "Write the hours as 10:00-13:00 14:00-18:00."),
        (
            {"day": "2026-03-28", "spans": "09:00-13:00 12:00-14:00"},
            422,
            "The spans 09:00-13:00 and 12:00-14:00 overlap.",
        ),
        ({"day": "", "spans": "09:00-13:00"}, 422, "This field is required."),
        ({"day": "2026-03-30", "spans": ""}, 409, "already has other hours"),
    ],
)
def test_the_console_shows_why_an_override_is_refused(client, agency, fields, status, message):
    with use_agency(agency.agency.id):
        add_shift_override(
            db.session.get(Secretary, agency.profile.id), {"day": "2026-03-30", "spans": []}
        )
    sign_in(client, agency.manager)
    response = _add(client, agency, note="", **fields)
    assert response.status_code == status
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    with use_agency(agency.agency.id):
        assert len(db.session.scalars(select(ShiftOverride)).all()) == 1


def test_a_secretary_sees_their_coming_overrides_on_the_desk(client, agency, other_agency):
    clock.freeze(datetime(2026, 3, 25, 12, 0, tzinfo=UTC))
    try:
        with use_agency(agency.agency.id):
            mine = db.session.get(Secretary, agency.profile.id)
            add_shift_override(mine, {"day": "2026-03-20", "spans": [], "note": "Past"})
            add_shift_override(
                mine, {"day": "2026-03-28", "spans": [["10:00", "13:00"]], "note": "Fair"}
            )
        with use_agency(other_agency.agency.id):
            theirs = db.session.get(Secretary, other_agency.profile.id)
            add_shift_override(theirs, {"day": "2026-03-28", "spans": [], "note": "Bravo only"})
        sign_in(client, agency.secretary)
        page = client.get("/desk/").get_data(as_text=True)
        assert "Mar 28, 2026" in page and "10:00–13:00" in page and "Fair" in page
        assert "Past" not in page and "Bravo only" not in page
    finally:
        clock.freeze(None)


# --- the dashboard's scheduled hours --------------------------------------------------------


def test_scheduled_hours_follow_holidays_and_overrides(agency):
    with use_agency(agency.agency.id):
        rita = Secretary(
            name="Rita Alves", email="rita@alpha.example", timezone="Europe/Lisbon",
            schedule=WEEKDAYS_9_TO_5,
        )  # fmt: skip
        db.session.add(rita)
        db.session.commit()
        add_holiday({"date": "2026-03-24", "name": "Founders' Day"})  # Tuesday: 8 h less
        add_holiday({"date": "2026-03-26", "name": "Open day"})  # Thursday, but worked:
        add_shift_override(rita, {"day": "2026-03-26", "spans": [["09:00", "12:00"]]})  # 3 h
        add_shift_override(rita, {"day": "2026-03-28", "spans": [["10:00", "14:00"]]})  # +4 h
        add_shift_override(rita, {"day": "2026-03-27", "spans": []})  # Friday off: 8 h less
        (row,) = [
            r
            for r in reports.dashboard(datetime(2026, 3, 25, 12, 0, tzinfo=UTC)).utilisation
            if r.secretary_name == "Rita Alves"
        ]
    assert row.scheduled_minutes == (8 + 8 + 3 + 4) * 60
