"""Ranking secretaries for a client: hard constraints, order, reasons, time zones and DST."""

from datetime import date

import pytest

from agency.domains.clients.models import Assignment, Client
from agency.domains.matching.services import overlap_minutes, rank
from agency.domains.staff.models import Absence, Secretary
from agency.kernel.database import db
from tenants import use_agency

WEEKDAYS_9_TO_17 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def tenant(agency):
    with use_agency(agency.agency.id):
        yield agency


def _secretary(name, languages, specialities=(), schedule=None, zone="Europe/Lisbon", **extra):
    secretary = Secretary(
        name=name,
        email=f"{name.lower()}@alpha.example",
        timezone=zone,
        languages=[{"code": c, "level": lvl} for c, lvl in languages],
        specialities=[{"code": s, "training": ""} for s in specialities],
        schedule=WEEKDAYS_9_TO_17 if schedule is None else schedule,
        **extra,
    )
    db.session.add(secretary)
    db.session.flush()
    return secretary


def _client(**extra):
    values = {
        "name": "Clínica Ferreira",
        "timezone": "Europe/Lisbon",
        "languages": ["pt"],
        "required_specialities": ["medical"],
        "business_hours": WEEKDAYS_9_TO_17,
        **extra,
    }
    client = Client(**values)
    db.session.add(client)
    db.session.flush()
    return client


def _by_name(matches):
    return {m.secretary.name: m for m in matches}


def test_hard_constraints_exclude_and_say_why(tenant):
    _secretary("Ana", [("pt", "C2")], ["medical"])
    _secretary("Bruno", [("pt", "B1")], ["medical"])
    _secretary("Carla", [("pt", "native")], ["legal"])
    _secretary("Dora", [("pt", "C1")], ["medical"], capacity_clients=0)
    _secretary("Eva", [("pt", "C1")], ["medical"], schedule={"sat": [["09:00", "17:00"]]})
    matches = _by_name(rank(_client(), date(2026, 6, 1)))
    assert matches["Ana"].eligible
    assert not matches["Bruno"].eligible
    assert "does not speak Portuguese at B2 or better" in matches["Bruno"].reasons
    assert "no medical speciality" in matches["Carla"].reasons
    assert "no free capacity (0 clients)" in matches["Dora"].reasons
    assert "working hours do not overlap the client's" in matches["Eva"].reasons
    assert [m.secretary.name for m in rank(_client(), date(2026, 6, 1)) if m.eligible] == ["Ana"]


def test_ranking_prefers_level_overlap_free_capacity_and_continuity(tenant):
    client = _client()
    native = _secretary("Ana", [("pt", "native")], ["medical"])
    b2 = _secretary("Beatriz", [("pt", "B2")], ["medical"])
    part_time = _secretary(
        "Celia", [("pt", "native")], ["medical"], schedule={"mon": [["09:00", "12:00"]]}
    )
    ranked = [m.secretary.id for m in rank(client, date(2026, 6, 1)) if m.eligible]
    assert ranked == [native.id, b2.id, part_time.id]

    db.session.add(Assignment(client_id=client.id, secretary_id=b2.id, role="backup"))
    db.session.flush()
    matches = _by_name(rank(client, date(2026, 6, 1)))
    assert "has served this client before" in matches["Beatriz"].reasons


def test_each_match_explains_itself(tenant):
    _secretary("Ana", [("pt", "C2")], ["medical"])
    match = rank(_client(), date(2026, 6, 1))[0]
    assert match.summary == "speaks Portuguese C2 · knows medical terminology · 40 h/week overlap"


def test_overlap_applies_both_zones_across_a_dst_change(tenant):
    """New York moves its clocks on 8 March 2026, Lisbon on 29 March: the overlap shifts."""
    new_york = _secretary(
        "Nina",
        [("pt", "C1")],
        ["medical"],
        zone="America/New_York",
        schedule={d: [["08:00", "12:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    )
    client = _client(
        business_hours={d: [["09:00", "14:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    )
    # Before 8 March: New York is UTC-5, Lisbon UTC+0: 08:00 NY = 13:00 Lisbon -> 1 h a day.
    assert overlap_minutes(new_york, client, date(2026, 3, 2)) == 5 * 60
    # Between the changes: NY UTC-4: 08:00 NY = 12:00 Lisbon -> 2 h a day.
    assert overlap_minutes(new_york, client, date(2026, 3, 16)) == 5 * 120
    # After 29 March: Lisbon UTC+1: 08:00 NY = 13:00 Lisbon again -> 1 h a day.
    assert overlap_minutes(new_york, client, date(2026, 4, 6)) == 5 * 60


def test_absences_remove_their_days(tenant):
    secretary = _secretary("Ana", [("pt", "C2")], ["medical"])
    client = _client()
    db.session.add(
        Absence(secretary_id=secretary.id, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 2))
    )
    db.session.flush()
    db.session.refresh(secretary)
    assert overlap_minutes(secretary, client, date(2026, 6, 1)) == 3 * 8 * 60


def test_the_matches_endpoint_ranks_with_reasons(client, agency):
    from tests.conftest import PASSWORD

    token = client.post(
        "/api/v1/auth/token", json={"email": agency.owner.email, "password": PASSWORD}
    ).json["token"]
    response = client.get(
        f"/api/v1/clients/{agency.client.id}/matches", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.json[0]["name"] == "Alpha Secretary"
    assert "summary" in response.json[0] and response.json[0]["eligible"] is True


def test_skills_count_and_a_required_skill_excludes_with_its_reason(app, agency):
    """Typing speed, customer service and training raise the score and are said; a skill
    the client requires, below its level, excludes, in matching as in routing."""
    from agency.domains.work.choice import can_serve

    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        fast = Secretary(name="Fast", email="fast@alpha.example",
                         skills={"typing_wpm": 110, "customer_service": 5},
                         training=[{"name": "Front desk course"}])  # fmt: skip
        slow = Secretary(name="Slow", email="slow@alpha.example",
                         skills={"typing_wpm": 30, "customer_service": 2})  # fmt: skip
        db.session.add_all([fast, slow])
        db.session.commit()
        by_name = {m.secretary.name: m for m in rank(client)}
        assert by_name["Fast"].score > by_name["Slow"].score
        assert "types 110 words a minute" in by_name["Fast"].reasons
        assert "customer service 5 of 5" in by_name["Fast"].reasons
        assert "trained: Front desk course" in by_name["Fast"].reasons

        client.required_skills = {"customer_service": 4}
        db.session.commit()
        by_name = {m.secretary.name: m for m in rank(client)}
        assert not by_name["Slow"].eligible
        assert "customer service below 4" in by_name["Slow"].reasons
        assert "customer service 5 (needs 4)" in by_name["Fast"].reasons
        assert can_serve(fast, client) and not can_serve(slow, client)
