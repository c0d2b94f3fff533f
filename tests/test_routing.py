"""Work items: idempotent creation, the routing policy, and atomic claiming."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from agency.domains.clients.models import Assignment, Client
from agency.domains.sla.services import add_holiday
from agency.domains.staff.models import Absence, Secretary
from agency.domains.staff.services import add_shift_override
from agency.domains.work import claims, pool, routing
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency

pytestmark = pytest.mark.sqlite

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
MONDAY_NOON = datetime(2026, 6, 1, 11, 0, tzinfo=UTC)


@pytest.fixture
def tenant(agency):
    clock.freeze(MONDAY_NOON)
    with use_agency(agency.agency.id):
        yield agency
    clock.freeze(None)


def _secretary(name, role=None, client=None, languages=(("en", "C2"),), **extra):
    values = {"shift_status": "on_shift", "schedule": ALL_WEEK, "capacity_items": 5, **extra}
    s = Secretary(
        name=name,
        email=f"{name.lower()}@alpha.example",
        languages=[{"code": c, "level": lvl} for c, lvl in languages],
        **values,
    )
    db.session.add(s)
    db.session.flush()
    if role:
        db.session.add(Assignment(client_id=client.id, secretary_id=s.id, role=role))
    db.session.commit()
    return s


def _client(**extra):
    client = Client(**{"name": "Routing Client", "languages": ["en"], **extra})
    db.session.add(client)
    db.session.commit()
    return client


def _item(client, priority="normal", key=None, **extra):
    item, _new = create_item(
        {
            "client_id": client.id,
            "kind": "call",
            "title": "Call back",
            "priority": priority,
            "source": "voice",
            "source_key": key,
            **extra,
        }
    )
    return item


def _route(item):
    return routing.route(item.id)


def test_the_same_source_key_makes_one_item(tenant, drain):
    client = _client()
    first, new_first = create_item(
        {
            "client_id": client.id,
            "kind": "call",
            "title": "A",
            "source": "voice",
            "source_key": "CA123",
        }
    )
    second, new_second = create_item(
        {
            "client_id": client.id,
            "kind": "call",
            "title": "A",
            "source": "voice",
            "source_key": "CA123",
        }
    )
    assert (new_first, new_second) == (True, False) and first.id == second.id
    assert db.session.scalar(select(func.count(WorkItem.id))) == 1


def test_creating_an_item_enqueues_its_routing(tenant, drain):
    client = _client()
    primary = _secretary("Pia", "primary", client)
    item = _item(client)
    assert drain() == 1
    db.session.expire_all()
    assert db.session.get(WorkItem, item.id).assignee_id == primary.id


def test_primary_on_shift_gets_it(tenant):
    client = _client()
    primary = _secretary("Pia", "primary", client)
    _secretary("Ben", "backup", client)
    assert _route(_item(client)).assignee_id == primary.id


def test_primary_off_shift_falls_to_a_backup(tenant):
    client = _client()
    _secretary("Pia", "primary", client, shift_status="off")
    backup = _secretary("Ben", "backup", client)
    assert _route(_item(client)).assignee_id == backup.id


def test_primary_outside_declared_hours_falls_to_a_backup(tenant):
    client = _client()
    _secretary("Pia", "primary", client, schedule={"tue": [["09:00", "17:00"]]})
    backup = _secretary("Ben", "backup", client)
    assert _route(_item(client)).assignee_id == backup.id


def test_primary_at_capacity_falls_to_the_least_loaded_backup(tenant):
    client = _client()
    primary = _secretary("Pia", "primary", client, capacity_items=1)
    busy = _secretary("Ben", "backup", client)
    idle = _secretary("Cai", "backup", client)
    assert _route(_item(client)).assignee_id == primary.id
    assert _route(_item(client)).assignee_id == busy.id
    assert _route(_item(client)).assignee_id == idle.id


def test_an_absent_primary_falls_to_a_backup(tenant):
    client = _client()
    primary = _secretary("Pia", "primary", client)
    backup = _secretary("Ben", "backup", client)
    db.session.add(
        Absence(secretary_id=primary.id, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 1))
    )
    db.session.commit()
    assert _route(_item(client)).assignee_id == backup.id


def test_an_absence_counts_by_the_secretarys_own_calendar(tenant):
    """Monday 11:00 UTC is already Tuesday on Kiritimati (UTC+14): a Monday absence is over there,
    and a Tuesday one has begun."""
    client = _client()
    kiwi = _secretary("Kiri", "primary", client, timezone="Pacific/Kiritimati")
    backup = _secretary("Ben", "backup", client)
    monday_off = Absence(secretary_id=kiwi.id, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 1))
    db.session.add(monday_off)
    db.session.commit()
    assert _route(_item(client)).assignee_id == kiwi.id
    db.session.delete(monday_off)
    db.session.add(
        Absence(secretary_id=kiwi.id, starts_on=date(2026, 6, 2), ends_on=date(2026, 6, 2))
    )
    db.session.commit()
    assert _route(_item(client)).assignee_id == backup.id


def test_anyone_qualified_in_the_agency_when_the_clients_own_are_away(tenant):
    client = _client(languages=["pt"])
    _secretary("Pia", "primary", client, shift_status="on_break", languages=(("pt", "C2"),))
    _secretary("Eng", languages=(("en", "C2"),))
    speaker = _secretary("Rui", languages=(("pt", "B2"),))
    assert _route(_item(client)).assignee_id == speaker.id


def test_a_required_speciality_passes_over_those_without_it(tenant):
    client = _client(languages=["en"], required_specialities=["legal"])
    _secretary("Pia", "primary", client, shift_status="off")
    _secretary("Gen", languages=(("en", "C2"),))
    lawyer = _secretary(
        "Lex", languages=(("en", "B2"),), specialities=[{"code": "legal", "training": ""}]
    )
    assert _route(_item(client)).assignee_id == lawyer.id


def test_nobody_available_leaves_it_in_the_pool_and_tells_the_managers(tenant, drain, mail):
    client = _client(languages=["pt"])
    _secretary("Eng", languages=(("en", "C2"),))
    item = _route(_item(client))
    assert item.assignee_id is None and item.status == "queued"
    assert _route(item).status == "queued"  # a second run tells nobody twice
    actions = db.session.scalars(select(WorkEvent.action).where(WorkEvent.item_id == item.id))
    assert list(actions).count("unroutable") == 1
    drain()
    assert "Nobody can take" in mail.wait_for(tenant.manager.email)["Subject"]


def _assigned_events(item_id):
    return db.session.scalars(
        select(WorkEvent.detail).where(WorkEvent.item_id == item_id, WorkEvent.action == "assigned")
    ).all()


def test_one_job_routes_the_waiting_items_urgent_first_as_one_by_one(tenant, drain):
    client = _client()
    primary = _secretary("Pia", "primary", client, capacity_items=1)
    ben = _secretary("Ben", "backup", client)
    cai = _secretary("Cai", "backup", client)
    first, second, urgent, third = (
        _item(client),
        _item(client),
        _item(client, "urgent"),
        _item(client),
    )
    assert drain() == 2  # one job per queue for all four, not one per item
    db.session.expire_all()
    expected = {urgent.id: primary.id, first.id: ben.id, second.id: cai.id, third.id: ben.id}
    assert {i: db.session.get(WorkItem, i).assignee_id for i in expected} == expected
    tiers = {i: [e["tier"] for e in _assigned_events(i)] for i in expected}
    assert tiers == {urgent.id: ["primary"], first.id: ["backup"], second.id: ["backup"]} | {
        third.id: ["backup"]
    }
    assert routing.route_all_queued() == 0 and drain() == 0


def test_an_item_created_after_the_job_started_gets_a_job_of_its_own(tenant, drain):
    client = _client()
    primary = _secretary("Pia", "primary", client)
    _item(client)
    assert drain() == 1
    later = _item(client)
    assert drain() == 1
    db.session.expire_all()
    assert db.session.get(WorkItem, later.id).assignee_id == primary.id


def test_a_batch_leaves_unroutable_items_in_the_pool_and_tells_the_managers_once(
    tenant, drain, mail
):
    client = _client(languages=["pt"])
    _secretary("Eng", languages=(("en", "C2"),))
    items = [_item(client), _item(client)]
    drain()
    assert routing.route_all_queued() == 0  # already routed: not taken again
    for item in items:
        db.session.expire_all()
        assert db.session.get(WorkItem, item.id).status == "queued"
        actions = db.session.scalars(select(WorkEvent.action).where(WorkEvent.item_id == item.id))
        assert list(actions).count("unroutable") == 1
    assert "Nobody can take" in mail.wait_for(tenant.manager.email)["Subject"]


def test_the_minute_tick_routes_what_a_lost_routing_job_left_behind(app, tenant, drain):
    from agency.domains.schedules.tick import run_for_agency

    client = _client()
    primary = _secretary("Pia", "primary", client)
    # A job said to be pending that never ran (Redis failing between the key and the job).
    app.extensions["redis"].set(routing.pending_key(tenant.agency.id, "default"), "1")
    item = _item(client)
    assert drain() == 0
    clock.freeze(MONDAY_NOON + timedelta(seconds=30))
    run_for_agency(tenant.agency.id)
    assert drain() == 0  # created too recently: its job may still come
    clock.freeze(MONDAY_NOON + timedelta(minutes=2))
    run_for_agency(tenant.agency.id)
    drain()
    db.session.expire_all()
    assert db.session.get(WorkItem, item.id).assignee_id == primary.id


def test_urgent_items_are_claimed_first_then_the_oldest(tenant):
    client = _client()
    secretary = _secretary("Pia", "primary", client, shift_status="off")
    low = _item(client, "low")
    old = _item(client, "normal")
    urgent = _item(client, "urgent")
    secretary.shift_status = "on_shift"
    db.session.commit()
    order = [claims.claim_next(secretary) for _ in range(3)]
    assert order == [urgent.id, old.id, low.id]
    assert claims.claim_next(secretary) is None


def test_next_takes_from_the_pool_of_the_clients_served_now_only(tenant):
    served, former, stranger = _client(), _client(name="Former"), _client(name="Stranger")
    secretary = _secretary("Pia", "backup", served, shift_status="off")
    db.session.add(
        Assignment(
            client_id=former.id, secretary_id=secretary.id, role="backup", ended_at=MONDAY_NOON
        )
    )
    db.session.commit()
    urgent_elsewhere = [_item(former, "urgent"), _item(stranger, "urgent")]
    mine = _item(served, "low")
    assert claims.claim_next(secretary) == mine.id
    assert claims.claim_next(secretary) is None
    db.session.expire_all()
    assert [db.session.get(WorkItem, i.id).assignee_id for i in urgent_elsewhere] == [None, None]


def test_a_freed_secretary_is_backfilled_oldest_first(tenant):
    client = _client()
    secretary = _secretary("Pia", "primary", client, shift_status="off", capacity_items=2)
    first, second, third = _item(client), _item(client), _item(client)
    secretary.shift_status = "on_shift"
    db.session.commit()
    assert [i.id for i in pool.backfill(secretary)] == [first.id, second.id]
    assert db.session.get(WorkItem, third.id).status == "queued"


@pytest.mark.postgres
def test_sixteen_desks_racing_claim_every_item_exactly_once(app, agency):
    with use_agency(agency.agency.id):
        client = _client()
        desks = [_secretary(f"Desk{n}", "backup", client, shift_status="off") for n in range(16)]
        desk_ids = [d.id for d in desks]
        db.session.add_all(
            WorkItem(
                client_id=client.id,
                kind="task",
                title=f"Item {n}",
                status="queued",
                priority="normal",
                priority_rank=2,
                sla_due_at=MONDAY_NOON,
            )
            for n in range(1000)
        )
        db.session.commit()
    db.session.remove()
    taken: dict[int, list[int]] = {d: [] for d in desk_ids}

    def desk(secretary_id):
        with app.app_context(), use_agency(agency.agency.id):
            me = db.session.get(Secretary, secretary_id)
            while (item_id := claims.claim_next(me)) is not None:
                taken[secretary_id].append(item_id)
            db.session.remove()

    threads = [threading.Thread(target=desk, args=(d,)) for d in desk_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    claimed = [i for ids in taken.values() for i in ids]
    assert len(claimed) == 1000 and len(set(claimed)) == 1000
    assert sum(1 for ids in taken.values() if ids) > 1
    with use_agency(agency.agency.id):
        events = db.session.scalar(
            select(func.count(WorkEvent.id)).where(WorkEvent.action == "claimed")
        )
        assert events == 1000


# --- the working calendar: holidays, date overrides, split shifts, zones -----------------

SATURDAY_NOON = datetime(2026, 6, 6, 11, 0, tzinfo=UTC)
WEEKDAYS_ONLY = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def _override(secretary, day, spans):
    return add_shift_override(secretary, {"day": day, "spans": spans})


def _queued(client, count=1):
    items = [_item(client) for _n in range(count)]
    routing.route_queued()
    db.session.expire_all()
    return [db.session.get(WorkItem, i.id) for i in items]


def test_an_agency_holiday_leaves_the_item_in_the_pool(tenant, drain, mail):
    client = _client()
    _secretary("Pia", "primary", client)
    _secretary("Ben")
    add_holiday({"date": "2026-06-01", "name": "Founders' Day"})
    (item,) = _queued(client)
    assert item.assignee_id is None and item.status == "queued"
    assert [e.action for e in item.events][-1] == "unroutable"


def test_an_override_gives_hours_on_an_agency_holiday(tenant):
    client = _client()
    primary = _secretary("Pia", "primary", client)
    add_holiday({"date": "2026-06-01", "name": "Founders' Day"})
    assert _route(_item(client)).assignee_id is None
    _override(primary, "2026-06-01", [["10:00", "14:00"]])
    (item,) = _queued(client)
    assert item.assignee_id == primary.id


def test_an_extra_saturday_shift_makes_a_secretary_eligible(tenant):
    clock.freeze(SATURDAY_NOON)
    client = _client()
    primary = _secretary("Pia", "primary", client, schedule=WEEKDAYS_ONLY)
    (first,) = _queued(client)
    assert first.assignee_id is None
    _override(primary, "2026-06-06", [["09:00", "13:00"]])
    assert _route(_item(client)).assignee_id == primary.id


def test_an_override_without_spans_is_a_day_off(tenant):
    client = _client()
    primary = _secretary("Pia", "primary", client)
    backup = _secretary("Ben", "backup", client)
    _override(primary, "2026-06-01", [])
    assert _route(_item(client)).assignee_id == backup.id
    (batched,) = _queued(client)
    assert batched.assignee_id == backup.id


def test_the_gap_of_a_split_shift_is_not_working_time(tenant):
    client = _client()
    split = {"mon": [["08:00", "10:30"], ["11:30", "16:00"]]}
    primary = _secretary("Pia", "primary", client, schedule=split)
    backup = _secretary("Ben", "backup", client)
    assert _route(_item(client)).assignee_id == backup.id  # 11:00, between the two
    clock.freeze(MONDAY_NOON + timedelta(minutes=45))
    assert _route(_item(client)).assignee_id == primary.id


def test_an_absence_wins_over_an_override(tenant):
    client = _client()
    primary = _secretary("Pia", "primary", client)
    backup = _secretary("Ben", "backup", client)
    _override(primary, "2026-06-01", [["10:00", "14:00"]])
    db.session.add(
        Absence(secretary_id=primary.id, starts_on=date(2026, 6, 1), ends_on=date(2026, 6, 1))
    )
    db.session.commit()
    assert _route(_item(client)).assignee_id == backup.id


def test_an_override_is_on_the_secretarys_own_calendar_day(tenant):
    """Friday 11:00 UTC is already Saturday 01:00 on Kiritimati (UTC+14)."""
    clock.freeze(datetime(2026, 6, 5, 11, 0, tzinfo=UTC))
    client = _client()
    kiri = _secretary("Kiri", "primary", client, timezone="Pacific/Kiritimati")
    backup = _secretary("Ben", "backup", client)
    _override(kiri, "2026-06-05", [])  # their Friday is over: changes nothing
    assert _route(_item(client)).assignee_id == kiri.id
    _override(kiri, "2026-06-06", [["00:00", "00:30"]])
    assert _route(_item(client)).assignee_id == backup.id


def test_an_override_on_the_day_clocks_go_back_counts_in_local_time(tenant):
    """Lisbon leaves summer time at 01:00 UTC on 25 October 2026: 08:30 UTC that
    morning is 08:30 local, before a 09:00 start; an hour later it is 09:30."""
    client = _client()
    lisbon = _secretary("Rita", "primary", client, timezone="Europe/Lisbon", schedule={})
    _override(lisbon, "2026-10-25", [["09:00", "12:00"]])
    clock.freeze(datetime(2026, 10, 25, 8, 30, tzinfo=UTC))
    assert _route(_item(client)).assignee_id is None
    clock.freeze(datetime(2026, 10, 25, 9, 30, tzinfo=UTC))
    assert _route(_item(client)).assignee_id == lisbon.id


def test_another_agencys_holiday_changes_nothing(tenant, other_agency):
    with use_agency(other_agency.agency.id):
        add_holiday({"date": "2026-06-01", "name": "Bravo's day"})
    client = _client()
    primary = _secretary("Pia", "primary", client)
    assert _route(_item(client)).assignee_id == primary.id
    (batched,) = _queued(client)
    assert batched.assignee_id == primary.id
