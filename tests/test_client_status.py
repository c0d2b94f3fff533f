"""The client's status as the portal, the desk, the console and the API show it: a set
status until its end, then a planned one or a weekly window with theirs, else available."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from agency.domains.calls import services
from agency.domains.clients.models import Client
from agency.domains.work.creation import create_item
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, sign_in

# A Tuesday; the client is in Europe/London (UTC+1 in June).
TUESDAY_10 = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def alpha(agency):
    clock.freeze(TUESDAY_10)
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        client.timezone = "Europe/London"
        client.unavailable_windows = [
            {"weekday": "tue", "start": "14:00", "end": "16:30", "label": "School run"}
        ]
        db.session.commit()
        services.save_rules(
            client,
            {
                "scheduled_statuses": [
                    {
                        "starts_at": "2026-06-02T11:00:00+00:00",
                        "ends_at": "2026-06-02T12:00:00+00:00",
                        "text": "At the dentist",
                    }
                ]
            },
        )
        until = (TUESDAY_10 + timedelta(hours=1)).isoformat()
        services.set_status(client, {"status_text": "In a meeting", "status_until": until})
        item, _new = create_item({"client_id": client.id, "kind": "call", "title": "Ring back"})
        item.assignee_id, item.status = agency.profile.id, "assigned"
        db.session.commit()
        agency.item_id = item.id
    yield agency
    clock.freeze(None)


def _shown(page: str, marker: str) -> str:
    """The text of the element holding the status, its whitespace folded."""
    match = re.search(rf'{marker}">(.*?)</p>', page, re.S)
    assert match, page
    return " ".join(match.group(1).split())


def _signed_in(app, user):
    http = app.test_client()
    sign_in(http, user)
    return http


def _pages(app, team):
    portal = _signed_in(app, team.client_user)
    home = portal.get("/portal/").get_data(as_text=True)
    calls = portal.get("/portal/calls/").get_data(as_text=True)
    desk = _signed_in(app, team.secretary).get(f"/desk/items/{team.item_id}")
    desk = desk.get_data(as_text=True)
    console = _signed_in(app, team.manager)
    rules = console.get(f"/console/calls/clients/{team.client.id}").get_data(as_text=True)
    return {
        "portal": _shown(home, 'id="current-status'),
        "portal calls": _shown(calls, 'id="current-status'),
        "desk": _shown(desk, 'class="client-status'),
        "console": _shown(rules, 'id="current-status'),
    }


def _api(client, team):
    token = client.post(
        "/api/v1/auth/token", json={"email": team.manager.email, "password": PASSWORD}
    ).json["token"]
    response = client.get(
        f"/api/v1/clients/{team.client.id}/call-rules",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.json
    return response.json["current_status"]


def test_a_set_status_shows_with_its_end_while_it_lasts(app, client, alpha):
    for surface, text in _pages(app, alpha).items():
        assert text.startswith("In a meeting — until"), (surface, text)
    assert _api(client, alpha) == {"text": "In a meeting", "until": "2026-06-02T10:00:00+00:00"}


def test_once_its_end_has_passed_the_set_status_is_over_everywhere(app, client, alpha):
    clock.freeze(TUESDAY_10 + timedelta(hours=1, minutes=1))
    for surface, text in _pages(app, alpha).items():
        assert text == "Available", (surface, text)
    assert _api(client, alpha) == {"text": "", "until": None}


def test_a_planned_status_shows_with_its_own_end(app, client, alpha):
    clock.freeze(datetime(2026, 6, 2, 11, 30, tzinfo=UTC))
    for surface, text in _pages(app, alpha).items():
        assert text.startswith("At the dentist — until"), (surface, text)
    assert _api(client, alpha) == {"text": "At the dentist", "until": "2026-06-02T12:00:00+00:00"}


def test_a_weekly_window_ends_at_its_local_end_time(app, client, alpha):
    clock.freeze(datetime(2026, 6, 2, 14, 0, tzinfo=UTC))  # 15:00 in London
    for surface, text in _pages(app, alpha).items():
        assert text.startswith("School run — until"), (surface, text)
    # 16:30 in London is 15:30 UTC in June.
    assert _api(client, alpha) == {"text": "School run", "until": "2026-06-02T15:30:00+00:00"}


def test_a_window_to_midnight_ends_at_the_next_local_day(agency):
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        client.timezone = "Europe/London"
        client.unavailable_windows = [{"weekday": "tue", "start": "20:00", "end": "24:00"}]
        db.session.commit()
        at = datetime(2026, 6, 2, 21, 0, tzinfo=UTC)  # 22:00 in London
        assert services.status_now(client, at) == (
            "Unavailable",
            datetime(2026, 6, 2, 23, 0, tzinfo=UTC),
        )
