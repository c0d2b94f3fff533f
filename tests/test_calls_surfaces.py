"""Calls and messages from the console, the portal, the desk and the API; bad input is a
clear 4xx that writes nothing, and another agency sees none of it."""

import io
from datetime import UTC, datetime

import pytest

from agency.domains.calls import history, services
from agency.domains.calls.models import CallRules, Message, PhoneNumber
from agency.domains.clients.models import Client
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, csrf_from, post_form, rows, sign_in

LINE = "+442079460100"


@pytest.fixture
def token(client, agency):
    return client.post(
        "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
    ).json["token"]


@pytest.fixture
def api(client, token):
    def request(method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {token}"}
        )

    return request


@pytest.fixture
def ringing(agency):
    """A call ringing on Alpha's line, recorded as the webhook's job records it."""
    with use_agency(agency.agency.id):
        services.add_number({"number": LINE, "client_id": agency.client.id})
        client = db.session.get(Client, agency.client.id)
        client.greeting = "Alpha Client, good morning"
        db.session.commit()
        services.save_rules(
            client,
            {
                "vip_numbers": ["+442079460001"],
                "call_types": [{"name": "New customer", "questions": ["How did you hear of us?"]}],
            },
        )
        call = history.record_call(
            {
                "call_sid": "CA42",
                "client_id": agency.client.id,
                "from_number": "+442079460999",
                "to_number": LINE,
                "action": "ring_secretaries",
                "rule": "secretaries",
            }
        )
        return call.id


# --- console -------------------------------------------------------------------------------


def test_manager_keeps_the_account_and_the_pool(login_as, agency, other_agency):
    http = login_as(agency.manager)
    saved = post_form(
        http,
        "/console/calls/",
        {"account_sid": "AC1", "auth_token": "secret-token", "sms_from": ""},
    )
    assert saved.status_code == 302
    bad = post_form(
        http,
        "/console/calls/",
        {"number": "12345", "label": "", "client_id": ""},
    )
    assert bad.status_code == 422 and "international form" in bad.get_data(as_text=True)
    added = post_form(
        http,
        "/console/calls/",
        {"number": "+44 20 7946 0100", "label": "Main", "client_id": ""},
    )
    assert added.status_code == 302
    with use_agency(agency.agency.id):
        number = db.session.scalars(db.select(PhoneNumber)).one()
        assert services.voice_settings().auth_token == "secret-token"
    assert number.number == LINE
    assigned = post_form(
        http,
        f"/console/calls/numbers/{number.id}",
        {"client_id": str(agency.client.id)},
        page="/console/calls/",
    )
    assert assigned.status_code == 302
    page = http.get("/console/calls/").get_data(as_text=True)
    assert LINE in page and "Alpha Client" in page
    assert rows(PhoneNumber, other_agency.agency.id) == []


def test_rules_form_saves_lists_and_csv_and_the_simulator_answers(login_as, agency):
    http = login_as(agency.manager)
    url = f"/console/calls/clients/{agency.client.id}"
    token = csrf_from(http.get(url).get_data(as_text=True))
    csv = io.BytesIO(b"number,name\n+442079460002,Ana\n+4420794600 03,Rui\n")
    response = http.post(
        url,
        data={
            "csrf_token": token,
            "client_phone": "+351912345678",
            "vip_numbers": "+442079460001",
            "vip_csv": (csv, "vips.csv"),
            "forward_numbers": "",
            "block_numbers": "+4477*",
            "transfer_mode": "cold",
            "ring_mode": "sequential",
            "ring_seconds": "15",
            "urgent_keywords": "urgent, flood",
            "channels": ["email"],
            "digest_times": "08:00, 17:00",
            "unavailable_windows": "tue 09:00-12:00 Meetings",
            "scheduled_statuses": "2026-05-03 09:00 | 2026-05-10 18:00 | On holiday",
            "status_templates": "In a meeting",
            "call_types": "New customer: How did you hear of us? | Budget?",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with use_agency(agency.agency.id):
        rules = db.session.scalars(db.select(CallRules)).one()
        client = db.session.get(Client, agency.client.id)
        assert rules.vip_numbers == ["+442079460001", "+442079460002", "+442079460003"]
        assert rules.block_numbers == ["+4477*"]
        assert rules.call_types == [
            {"name": "New customer", "questions": ["How did you hear of us?", "Budget?"]}
        ]
        assert rules.scheduled_statuses[0]["starts_at"] == "2026-05-03T09:00:00+00:00"
        assert client.unavailable_windows[0]["label"] == "Meetings"
    page = http.get(url + "?caller=%2B442079460001&at=2026-12-01+13%3A15").get_data(as_text=True)
    assert "put through to the client" in page and "<code>vip</code>" in page
    meeting = http.get(url + "?caller=%2B442079460001&at=2026-12-01+09%3A15").get_data(as_text=True)
    assert "a weekly unavailable window" in meeting
    bad = http.get(url + "?caller=nope&at=tuesday").get_data(as_text=True)
    assert "international form" in bad


def test_a_bad_line_in_the_rules_form_is_shown_and_nothing_saved(login_as, agency):
    http = login_as(agency.manager)
    url = f"/console/calls/clients/{agency.client.id}"
    response = post_form(
        http,
        url,
        {
            "vip_numbers": "+442079460001\nnot a number",
            "transfer_mode": "warm",
            "ring_mode": "sequential",
            "ring_seconds": "20",
            "digest_times": "17:00",
        },
    )
    assert response.status_code == 422
    assert "valid" in response.get_data(as_text=True) or "international" in response.get_data(
        as_text=True
    )
    assert rows(CallRules, agency.agency.id) == []


# --- desk ----------------------------------------------------------------------------------


def test_desk_pops_the_ringing_client_and_takes_a_message(login_as, agency, ringing):
    http = login_as(agency.secretary)
    page = http.get("/desk/calls/").get_data(as_text=True)
    assert "Alpha Client, good morning" in page and "Instructions of Alpha" in page
    assert "+442079460001" in page  # the VIPs
    url = f"/desk/calls/clients/{agency.client.id}/message?call_id={ringing}"
    form = {
        "caller_name": "Maria Lopes",
        "company": "Lopes Lda",
        "number": "12 34",
        "reason": "About the invoice",
        "urgency": "high",
        "callback_wanted": "y",
        "call_type": "New customer",
        "answer-0-0": "A friend",
    }
    bad = post_form(http, url, form)
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "international form" in body
    assert "Maria Lopes" in body and "About the invoice" in body and "A friend" in body
    assert rows(Message, agency.agency.id) == []
    done = post_form(http, url, {**form, "number": "+351 912 000 111"})
    assert done.status_code == 302
    message = rows(Message, agency.agency.id)[0]
    assert (message.number, message.call_id, message.urgency) == ("+351912000111", ringing, "high")
    assert message.answers == [{"question": "How did you hear of us?", "answer": "A friend"}]
    callbacks = [i for i in rows(WorkItem, agency.agency.id) if i.kind == "call"]
    assert len(callbacks) == 1 and "Maria Lopes" in callbacks[0].title


def test_desk_cannot_take_messages_for_clients_it_does_not_serve(login_as, agency, other_agency):
    http = login_as(agency.secretary)
    assert http.get(f"/desk/calls/clients/{other_agency.client.id}/message").status_code == 404


# --- portal --------------------------------------------------------------------------------


def test_client_sets_status_sees_messages_marks_them_handled_and_blocks(login_as, agency, ringing):
    clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    try:
        from agency.domains.calls.messages import take_message

        with use_agency(agency.agency.id):
            first = take_message(
                {
                    "client_id": agency.client.id,
                    "reason": "Call about the lease",
                    "number": "+442079460555",
                }
            ).id
        http = login_as(agency.client_user)
        bad = post_form(http, "/portal/calls/", {"status_text": "Away", "status_until": "soon"})
        assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)
        saved = post_form(
            http, "/portal/calls/", {"status_text": "Away", "status_until": "2026-12-01 15:00"}
        )
        assert saved.status_code == 302
        page = http.get("/portal/calls/").get_data(as_text=True)
        assert "Away" in page and "Call about the lease" in page
        with use_agency(agency.agency.id):
            client = db.session.get(Client, agency.client.id)
            assert client.status_until == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
            assert db.session.get(Message, first).read_at is not None
        post_form(http, f"/portal/calls/messages/{first}/block", {}, page="/portal/calls/")
        with use_agency(agency.agency.id):
            message = db.session.get(Message, first)
            assert message.handled_at is not None and message.urgency == "spam"
            rules = services.rules_for(db.session.get(Client, agency.client.id))
            assert "+442079460555" in rules.block_numbers
        rules_page = http.get("/portal/calls/rules?caller=%2B442079460555&at=2026-12-02+10%3A00")
        assert "blocked" in rules_page.get_data(as_text=True)
    finally:
        clock.freeze(None)


def test_portal_shows_only_the_clients_own_messages(login_as, agency, other_agency):
    from agency.domains.calls.messages import take_message

    with use_agency(other_agency.agency.id):
        bravo = take_message({"client_id": other_agency.client.id, "reason": "Bravo secret"}).id
    http = login_as(agency.client_user)
    assert "Bravo secret" not in http.get("/portal/calls/").get_data(as_text=True)
    response = post_form(http, f"/portal/calls/messages/{bravo}/handled", {}, page="/portal/calls/")
    assert response.status_code == 404


# --- API -----------------------------------------------------------------------------------


def test_api_numbers_and_call_rules(api, agency, other_agency):
    added = api("POST", "/api/v1/numbers/", {"number": "+44 20 7946 0100"})
    assert added.status_code == 201 and added.json["number"] == LINE
    assert api("POST", "/api/v1/numbers/", {"number": LINE}).status_code == 409
    assert api("POST", "/api/v1/numbers/", {"number": "123"}).status_code == 422
    assert (
        api(
            "POST",
            "/api/v1/numbers/",
            {"number": "+442079460101", "client_id": other_agency.client.id},
        ).status_code
        == 422
    )
    given = api("PATCH", f"/api/v1/numbers/{added.json['id']}", {"client_id": agency.client.id})
    assert given.json["client_id"] == agency.client.id
    url = f"/api/v1/clients/{agency.client.id}/call-rules"
    assert api("GET", url).json["vip_numbers"] == []
    bad = api("PUT", url, {"vip_numbers": ["nope"], "digest_times": ["25:00"]})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) >= {
        "vip_numbers",
        "digest_times",
    }
    saved = api(
        "PUT",
        url,
        {
            "vip_numbers": ["+442079460001"],
            "client_phone": "+351912345678",
            "scheduled_statuses": [
                {
                    "starts_at": "2026-12-24T00:00:00Z",
                    "ends_at": "2026-12-27T00:00:00Z",
                    "text": "Christmas",
                }
            ],
        },
    )
    assert saved.status_code == 200 and saved.json["number"] == LINE
    decision = api(
        "POST", url + "/simulate", {"caller": "+442079460001", "at": "2026-12-25T10:00:00Z"}
    ).json
    assert (decision["action"], decision["rule"], decision["unreachable"]) == (
        "voicemail",
        "no_secretary_on_shift",
        "scheduled_status",
    )
    assert api("POST", url + "/simulate", {"caller": "x"}).status_code == 422
    assert api("GET", f"/api/v1/clients/{other_agency.client.id}/call-rules").status_code == 404
    assert api("GET", "/api/v1/openapi.json").json["paths"].get("/api/v1/numbers/")


def test_api_messages_create_list_and_handle(api, agency, drain, mail):
    bad = api("POST", "/api/v1/messages/", {"client_id": agency.client.id, "number": "1"})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {"number", "reason"}
    created = api(
        "POST",
        "/api/v1/messages/",
        {
            "client_id": agency.client.id,
            "reason": "Server down",
            "urgency": "urgent",
            "number": "+351912000111",
            "callback_wanted": True,
        },
    )
    assert created.status_code == 201
    drain()
    assert "Server down" in mail.wait_for(agency.client.email).get_payload(decode=True).decode()
    listed = api("GET", f"/api/v1/messages/?client_id={agency.client.id}&open=1").json
    assert [m["id"] for m in listed] == [created.json["id"]]
    assert listed[0]["notified_at"] is not None
    handled = api("POST", f"/api/v1/messages/{created.json['id']}/handled")
    assert handled.json["handled_at"] is not None
    assert api("GET", "/api/v1/messages/?open=1").json == []
    assert api("GET", "/api/v1/calls/?client_id=x").status_code == 422
    assert api("GET", "/api/v1/calls/").json == []


# --- times in the weekly windows ------------------------------------------------------------

BAD_WINDOWS = (
    ({"weekday": "tue", "start": "25:00", "end": "26:00"}, "25:00 is not a time of day"),
    ({"weekday": "tue", "start": "09:00", "end": "12:99"}, "12:99 is not an end time"),
    ({"weekday": "tue", "start": "24:00", "end": "24:00"}, "24:00 is not a time of day"),
    ({"weekday": "tue", "start": "12:00", "end": "09:00"}, "ends before it starts"),
)


@pytest.mark.parametrize(("window", "says"), BAD_WINDOWS)
def test_the_api_refuses_a_window_with_a_bad_time_and_changes_nothing(api, agency, window, says):
    url = f"/api/v1/clients/{agency.client.id}/call-rules"
    kept = [{"weekday": "mon", "start": "09:00", "end": "24:00", "label": "Gym"}]
    assert api("PATCH", url, {"unavailable_windows": kept}).status_code == 200
    for method in ("PUT", "PATCH"):
        response = api(method, url, {"unavailable_windows": [window], "ring_seconds": 30})
        assert response.status_code == 422, response.json
        assert says in " ".join(response.json["error"]["fields"]["unavailable_windows"])
    view = api("GET", url).json
    assert (view["unavailable_windows"], view["ring_seconds"]) == (kept, 20)


def test_the_rules_form_refuses_a_window_that_ends_before_it_starts(login_as, agency):
    http = login_as(agency.client_user)
    response = post_form(
        http,
        "/portal/calls/rules",
        {
            "transfer_mode": "warm",
            "ring_mode": "sequential",
            "ring_seconds": "20",
            "digest_times": "17:00",
            "unavailable_windows": "tue 12:00-09:00 Meetings",
        },
    )
    assert response.status_code == 422
    assert "ends before it starts" in response.get_data(as_text=True)
    assert rows(CallRules, agency.agency.id) == []
    with use_agency(agency.agency.id):
        assert db.session.get(Client, agency.client.id).unavailable_windows == []


# --- business hours -------------------------------------------------------------------------

HOURS = {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "17:00"]]}
RULES_FORM = {"transfer_mode": "warm", "ring_mode": "sequential", "ring_seconds": "20"}


def _hours_of(agency) -> dict:
    with use_agency(agency.agency.id):
        db.session.expire_all()
        return db.session.get(Client, agency.client.id).business_hours


def _give_hours(agency, hours=HOURS) -> None:
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).business_hours = hours
        db.session.commit()


def test_saving_rules_in_the_portal_keeps_the_clients_business_hours(login_as, agency):
    _give_hours(agency)
    http = login_as(agency.client_user)
    page = http.get("/portal/calls/rules").get_data(as_text=True)
    assert "mon 09:00-13:00 14:00-18:00\ntue 09:00-17:00" in page
    saved = post_form(http, "/portal/calls/rules", {**RULES_FORM, "vip_numbers": "+442079460001"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert _hours_of(agency) == HOURS
    with use_agency(agency.agency.id):
        assert db.session.scalars(db.select(CallRules)).one().vip_numbers == ["+442079460001"]


def test_saving_rules_over_the_api_keeps_hours_it_does_not_give(api, agency):
    _give_hours(agency)
    url = f"/api/v1/clients/{agency.client.id}/call-rules"
    assert api("PUT", url, {"ring_seconds": 30}).json["business_hours"] == HOURS
    assert api("PATCH", url, {"ring_mode": "simultaneous"}).json["business_hours"] == HOURS
    changed = api("PATCH", url, {"business_hours": {"fri": [["10:00", "12:00"]]}}).json
    assert changed["business_hours"] == {"fri": [["10:00", "12:00"]]}
    assert _hours_of(agency) == {"fri": [["10:00", "12:00"]]}


def test_business_hours_are_set_in_the_portal_and_in_the_console(app, login_as, agency):
    http = login_as(agency.client_user)
    typed = "mon-fri 09:00-13:00 14:00-18:00\nsat 10:00-12:00"
    saved = post_form(http, "/portal/calls/rules", {**RULES_FORM, "business_hours": typed})
    assert saved.status_code == 302
    weekday = [["09:00", "13:00"], ["14:00", "18:00"]]
    assert _hours_of(agency) == {
        **{day: weekday for day in ("mon", "tue", "wed", "thu", "fri")},
        "sat": [["10:00", "12:00"]],
    }
    console = app.test_client()
    sign_in(console, agency.manager)
    url = f"/console/calls/clients/{agency.client.id}"
    assert "sat 10:00-12:00" in console.get(url).get_data(as_text=True)
    saved = post_form(console, url, {**RULES_FORM, "business_hours": "tue 08:00-12:00"})
    assert saved.status_code == 302
    assert _hours_of(agency) == {"tue": [["08:00", "12:00"]]}


@pytest.mark.parametrize(
    ("typed", "says"),
    (
        ("mon 09:00-25:00", "Each span is a start and an end, HH:MM, the start first."),
        ("mon 17:00-09:00", "Each span is a start and an end, HH:MM, the start first."),
        ("mon 09:00-13:00 12:00-18:00", "The spans 09:00-13:00 and 12:00-18:00 overlap."),
        ("weekdays nine to five", "Write one line per day or range: mon-fri 09:00-17:00."),
    ),
)
def test_bad_business_hours_are_refused_with_a_clear_message_and_nothing_changes(
    login_as, agency, typed, says
):
    _give_hours(agency)
    http = login_as(agency.client_user)
    response = post_form(
        http,
        "/portal/calls/rules",
        {**RULES_FORM, "ring_seconds": "45", "business_hours": typed},
    )
    assert response.status_code == 422
    assert says in response.get_data(as_text=True)
    assert _hours_of(agency) == HOURS
    assert rows(CallRules, agency.agency.id) == []


def test_the_onboarding_step_for_business_hours_leads_to_the_rules_page(login_as, agency):
    http = login_as(agency.client_user)
    page = http.get("/portal/onboarding").get_data(as_text=True)
    assert 'data-step="hours" class="todo">' in page
    assert 'href="/portal/calls/rules"' in page
    _give_hours(agency)
    assert 'data-step="hours" class="done">' in http.get("/portal/onboarding").get_data(
        as_text=True
    )


# --- urgent keywords on messages taken by hand ----------------------------------------------


@pytest.fixture
def keywords(agency):
    with use_agency(agency.agency.id):
        services.save_rules(
            db.session.get(Client, agency.client.id), {"urgent_keywords": ["flood", "Police"]}
        )


def test_a_desk_message_with_an_urgent_keyword_is_urgent_and_goes_out_at_once(
    login_as, agency, keywords, drain, mail
):
    http = login_as(agency.secretary)
    url = f"/desk/calls/clients/{agency.client.id}/message"
    assert '<select id="urgency" name="urgency"><option value="">' in http.get(url).get_data(
        as_text=True
    )
    taken = post_form(http, url, {"reason": "The police called about the shop", "urgency": ""})
    assert taken.status_code == 302
    chosen = post_form(http, url, {"reason": "A flood of brochures arrived", "urgency": "low"})
    assert chosen.status_code == 302
    plain = post_form(http, url, {"reason": "About the invoice", "urgency": ""})
    assert plain.status_code == 302
    by_reason = {m.reason: m.urgency for m in rows(Message, agency.agency.id)}
    assert by_reason == {
        "The police called about the shop": "urgent",
        "A flood of brochures arrived": "low",
        "About the invoice": "normal",
    }
    drain()
    email = mail.wait_for(agency.client.email)
    assert "police called" in email.get_payload(decode=True).decode()
    assert len(mail.to(agency.client.email)) == 1


def test_an_api_message_without_an_urgency_follows_the_clients_keywords(api, agency, keywords):
    flooded = api(
        "POST", "/api/v1/messages/", {"client_id": agency.client.id, "reason": "FLOOD upstairs"}
    )
    assert (flooded.status_code, flooded.json["urgency"]) == (201, "urgent")
    chosen = api(
        "POST",
        "/api/v1/messages/",
        {"client_id": agency.client.id, "reason": "Flood insurance offer", "urgency": "spam"},
    )
    assert chosen.json["urgency"] == "spam"
    plain = api("POST", "/api/v1/messages/", {"client_id": agency.client.id, "reason": "Hello"})
    assert plain.json["urgency"] == "normal"


# --- the client's status from the console, and the weekly windows as a status -------------


def test_the_console_sets_the_clients_status_from_the_client_record(login_as, agency):
    clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    try:
        http = login_as(agency.manager)
        record = http.get(f"/console/clients/{agency.client.id}").get_data(as_text=True)
        rules_url = f"/console/calls/clients/{agency.client.id}"
        assert f'href="{rules_url}"' in record
        status_url = f"{rules_url}/status"
        bad = post_form(
            http, status_url, {"status_text": "In a meeting", "status_until": "soon"}, rules_url
        )
        assert bad.status_code == 422 and "YYYY-MM-DD" in bad.get_data(as_text=True)
        past = post_form(
            http,
            status_url,
            {"status_text": "In a meeting", "status_until": "2026-12-01 09:00"},
            rules_url,
        )
        assert past.status_code == 422 and "future" in past.get_data(as_text=True)
        with use_agency(agency.agency.id):
            assert db.session.get(Client, agency.client.id).status_text is None
        saved = post_form(
            http,
            status_url,
            {"status_text": "In a meeting", "status_until": "2026-12-01 15:00"},
            rules_url,
        )
        assert saved.status_code == 302
        with use_agency(agency.agency.id):
            client = db.session.get(Client, agency.client.id)
            assert (client.status_text, client.status_until) == (
                "In a meeting",
                datetime(2026, 12, 1, 15, 0, tzinfo=UTC),
            )
        page = http.get(rules_url).get_data(as_text=True)
        assert 'value="In a meeting"' in page and 'value="2026-12-01 15:00"' in page
    finally:
        clock.freeze(None)


def test_a_weekly_window_with_a_label_is_the_status_on_the_desk_and_in_the_portal(
    app, login_as, agency
):
    clock.freeze(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))  # a Tuesday, 10:00 in UTC
    try:
        with use_agency(agency.agency.id):
            services.save_rules(
                db.session.get(Client, agency.client.id),
                {
                    "unavailable_windows": [
                        {"weekday": "tue", "start": "09:00", "end": "12:00", "label": "In meetings"}
                    ]
                },
                partial=True,
            )
            history.record_call(
                {
                    "call_sid": "CA-window",
                    "client_id": agency.client.id,
                    "from_number": "+442079460999",
                    "to_number": LINE,
                    "action": "ring_secretaries",
                    "rule": "secretaries",
                }
            )
        desk = login_as(agency.secretary)
        pop = desk.get("/desk/calls/").get_data(as_text=True)
        assert "Status: In meetings" in pop
        portal = app.test_client()
        sign_in(portal, agency.client_user)
        page = portal.get("/portal/calls/").get_data(as_text=True)
        assert '<p id="current-status">In meetings' in page
        clock.freeze(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))  # the window is over
        page = portal.get("/portal/calls/").get_data(as_text=True)
        assert '<p id="current-status">Available' in page
    finally:
        clock.freeze(None)


# --- the API's paths, PATCH and DELETE, and the block list's CSV ----------------------------


def test_the_openapi_document_lists_the_calls_paths(api):
    paths = api("GET", "/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/numbers/"])
    assert {"patch", "delete"} <= set(paths["/api/v1/numbers/{number_id}"])
    assert {"get", "put", "patch"} <= set(paths["/api/v1/clients/{client_id}/call-rules"])
    assert "post" in paths["/api/v1/clients/{client_id}/call-rules/simulate"]
    assert "get" in paths["/api/v1/calls/"]
    assert {"get", "post"} <= set(paths["/api/v1/messages/"])
    assert "post" in paths["/api/v1/messages/{message_id}/handled"]


def test_patching_call_rules_changes_only_what_it_gives(api, agency, other_agency):
    url = f"/api/v1/clients/{agency.client.id}/call-rules"
    api("PUT", url, {"vip_numbers": ["+442079460001"], "urgent_keywords": ["flood"]})
    patched = api("PATCH", url, {"ring_seconds": 35, "block_numbers": ["+4477*"]})
    assert patched.status_code == 200
    assert (patched.json["ring_seconds"], patched.json["block_numbers"]) == (35, ["+4477*"])
    assert patched.json["vip_numbers"] == ["+442079460001"]
    assert patched.json["urgent_keywords"] == ["flood"]
    bad = api("PATCH", url, {"ring_seconds": 2, "vip_numbers": ["+1"]})
    assert bad.status_code == 422 and set(bad.json["error"]["fields"]) == {
        "ring_seconds",
        "vip_numbers",
    }
    assert api("GET", url).json["ring_seconds"] == 35
    other = f"/api/v1/clients/{other_agency.client.id}/call-rules"
    assert api("PATCH", other, {"ring_seconds": 30}).status_code == 404


def test_deleting_a_number_takes_it_out_of_the_pool(api, agency, other_agency):
    added = api("POST", "/api/v1/numbers/", {"number": LINE, "client_id": agency.client.id}).json
    with use_agency(other_agency.agency.id):
        bravo = services.add_number({"number": "+442079460200"}).id
    assert api("DELETE", f"/api/v1/numbers/{bravo}").status_code == 404
    assert api("DELETE", f"/api/v1/numbers/{added['id']}").status_code == 204
    assert api("GET", "/api/v1/numbers/").json == []
    assert api("DELETE", f"/api/v1/numbers/{added['id']}").status_code == 404
    assert [n.number for n in rows(PhoneNumber, other_agency.agency.id)] == ["+442079460200"]
    with use_agency(agency.agency.id):
        assert services.number_of(agency.client.id) is None


def _upload_block_list(http, content: bytes):
    url = "/portal/calls/rules"
    token = csrf_from(http.get(url).get_data(as_text=True))
    return http.post(
        url,
        data={
            "csrf_token": token,
            **RULES_FORM,
            "block_numbers": "+4477*",
            "block_csv": (io.BytesIO(content), "blocked.csv"),
        },
        content_type="multipart/form-data",
    )


def test_a_block_list_uploaded_as_csv_joins_the_typed_one(login_as, agency):
    http = login_as(agency.client_user)
    bad = _upload_block_list(http, b"number\n+442079460777\nnot-a-number\n")
    assert bad.status_code == 422
    assert "Line 3: not-a-number is not a phone number." in bad.get_data(as_text=True)
    assert rows(CallRules, agency.agency.id) == []
    saved = _upload_block_list(http, b"\xef\xbb\xbfnumber,note\n+44 20 7946 0777,spam\n+4420*,\n")
    assert saved.status_code == 302
    with use_agency(agency.agency.id):
        rules = db.session.scalars(db.select(CallRules)).one()
        assert rules.block_numbers == ["+4477*", "+442079460777", "+4420*"]
