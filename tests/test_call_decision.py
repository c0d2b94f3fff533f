"""The call decision on its own: a pure function of the line, the caller and the moment."""

from datetime import UTC, datetime, timedelta

from agency.domains.calls.decision import Action, Desk, Line, decide, matches, rings_client
from agency.domains.staff.schedule import WorkingCalendar

CLIENT = "+351912345678"
VIP = "+442079460001"
STRANGER = "+442079460999"
TUESDAY_10_15 = datetime(2026, 12, 1, 10, 15, tzinfo=UTC)  # a Tuesday, UTC = Lisbon in winter


def line(**changes) -> Line:
    values = {
        "client_name": "Almeida & Filhos",
        "timezone": "Europe/Lisbon",
        "greeting": "Almeida & Filhos, good morning",
        "vip_numbers": (VIP,),
        "client_phone": CLIENT,
        "desks": (
            Desk("Ana", "+351910000001", "primary"),
            Desk("Rui", "+351910000002", "backup"),
        ),
    }
    values.update(changes)
    return Line(**values)


def test_blocked_caller_is_rejected_even_when_vip():
    decision = decide(line(block_numbers=("+4420794600*",)), VIP, TUESDAY_10_15)
    assert (decision.action, decision.rule) == (Action.reject, "blocked")


def test_vip_caller_is_put_through_warm_by_the_secretaries_first():
    decision = decide(line(), VIP, TUESDAY_10_15)
    assert (decision.action, decision.rule, decision.warm) == (Action.put_through, "vip", True)
    # the secretaries answer first (primary, then backup), and put the caller through
    assert decision.rounds == (
        (("+351910000001",), "Almeida & Filhos"),
        (("+351910000002",), "Almeida & Filhos"),
    )
    assert decision.transfer_to == CLIENT
    assert not rings_client(decision, 0)


def test_forward_listed_caller_is_put_through_cold_straight_to_the_client():
    decision = decide(
        line(forward_numbers=("+4420*",), transfer_mode="cold"), STRANGER, TUESDAY_10_15
    )
    assert (decision.action, decision.rule, decision.warm) == (
        Action.put_through,
        "forward_list",
        False,
    )
    assert decision.rounds[0] == ((CLIENT,), STRANGER) and rings_client(decision, 0)
    # if the client does not answer, back to the secretaries
    assert decision.rounds[1:] == (
        (("+351910000001",), "Almeida & Filhos"),
        (("+351910000002",), "Almeida & Filhos"),
    )
    assert decision.transfer_to == ""


def test_warm_put_through_with_nobody_on_shift_rings_the_client_directly():
    decision = decide(line(desks=()), VIP, TUESDAY_10_15)
    assert decision.action == Action.put_through and not decision.warm
    assert decision.rounds == (((CLIENT,), VIP),)


def test_vip_goes_to_secretaries_while_client_in_a_meeting():
    busy = line(status_text="In a meeting", status_until=TUESDAY_10_15 + timedelta(minutes=30))
    decision = decide(busy, VIP, TUESDAY_10_15)
    assert decision.action == Action.ring_secretaries
    assert (decision.rule, decision.unreachable) == ("vip_client_unreachable", "status")


def test_away_until_expires():
    away = line(status_text="Away", status_until=TUESDAY_10_15)
    assert decide(away, VIP, TUESDAY_10_15 - timedelta(seconds=1)).action == Action.ring_secretaries
    assert decide(away, VIP, TUESDAY_10_15).action == Action.put_through


def test_status_without_an_end_holds_until_cleared():
    dnd = line(status_text="Do not disturb")
    assert decide(dnd, VIP, TUESDAY_10_15 + timedelta(days=30)).unreachable == "status"


def test_unavailable_window_follows_the_clients_wall_clock_across_dst():
    # Tuesdays 09:00-12:00 Lisbon: 08:00-11:00 UTC in summer, 09:00-12:00 UTC in winter.
    meetings = line(unavailable_windows=({"weekday": "tue", "start": "09:00", "end": "12:00"},))
    summer_tue_0830_utc = datetime(2026, 10, 20, 8, 30, tzinfo=UTC)  # 09:30 WEST
    winter_tue_0830_utc = datetime(2026, 10, 27, 8, 30, tzinfo=UTC)  # 08:30 WET, after the change
    assert decide(meetings, VIP, summer_tue_0830_utc).unreachable == "unavailable_window"
    assert decide(meetings, VIP, winter_tue_0830_utc).action == Action.put_through


def test_outside_business_hours_the_client_is_not_disturbed():
    office = line(business_hours={"tue": [["09:00", "18:00"]]})
    evening = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert decide(office, VIP, evening).unreachable == "outside_hours"
    assert decide(office, VIP, TUESDAY_10_15).action == Action.put_through


def test_scheduled_holiday_makes_the_client_unreachable():
    holiday = line(
        scheduled_statuses=(
            {
                "starts_at": datetime(2026, 11, 30, tzinfo=UTC),
                "ends_at": datetime(2026, 12, 5, tzinfo=UTC),
                "text": "On holiday",
            },
        )
    )
    assert decide(holiday, VIP, TUESDAY_10_15).unreachable == "scheduled_status"


def test_other_callers_ring_primary_first_then_backups():
    decision = decide(line(), STRANGER, TUESDAY_10_15)
    assert decision.action == Action.ring_secretaries
    assert [numbers for numbers, _w in decision.rounds] == [("+351910000001",), ("+351910000002",)]


def test_simultaneous_ringing_dials_everyone_at_once():
    decision = decide(line(ring_mode="simultaneous"), STRANGER, TUESDAY_10_15)
    assert [numbers for numbers, _w in decision.rounds] == [("+351910000001", "+351910000002")]


def test_nobody_on_shift_goes_to_voicemail_with_the_greeting():
    decision = decide(line(desks=()), STRANGER, TUESDAY_10_15)
    assert (decision.action, decision.rule) == (Action.voicemail, "no_secretary_on_shift")
    assert decision.greeting == "Almeida & Filhos, good morning"


def test_patterns_match_prefixes_only():
    assert matches("+442079460000", "+4420*")
    assert not matches("+4420", "+44207*9")
    assert not matches("+352079460000", "+4420*")
    assert matches("+442079460000", "+442079460000")


# --- who is rung: each desk's working calendar at the call's moment ------------------------

WEEKDAYS_9_TO_6 = {d: [["09:00", "18:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
SATURDAY = datetime(2026, 12, 5, 10, 15, tzinfo=UTC)


def _desk(name, phone, role, status="on_shift", **calendar):
    hours = calendar.pop("hours", WEEKDAYS_9_TO_6)
    return Desk(name, phone, role, WorkingCalendar("Europe/Lisbon", hours, **calendar), status)


def test_a_desk_outside_its_working_hours_is_not_rung():
    desks = (
        _desk("Ana", "+351910000001", "primary", hours={"tue": [["14:00", "18:00"]]}),
        _desk("Rui", "+351910000002", "backup"),
    )
    decision = decide(line(desks=desks), STRANGER, TUESDAY_10_15)
    assert decision.rounds == ((("+351910000002",), "Almeida & Filhos"),)


def test_nobody_working_goes_to_voicemail_and_an_extra_saturday_is_rung():
    desks = (_desk("Ana", "+351910000001", "primary"),)
    assert decide(line(desks=desks), STRANGER, SATURDAY).action == Action.voicemail
    saturday_shift = (
        _desk("Ana", "+351910000001", "primary", overrides={SATURDAY.date(): [["10:00", "13:00"]]}),
    )
    decision = decide(line(desks=saturday_shift), STRANGER, SATURDAY)
    assert decision.rounds == ((("+351910000001",), "Almeida & Filhos"),)


def test_a_holiday_or_a_day_off_override_takes_the_desk_out():
    day = TUESDAY_10_15.date()
    desks = (
        _desk("Ana", "+351910000001", "primary", holidays=frozenset({day})),
        _desk("Rui", "+351910000002", "backup", overrides={day: []}),
    )
    assert decide(line(desks=desks), STRANGER, TUESDAY_10_15).action == Action.voicemail


def test_the_split_shifts_gap_is_not_rung():
    split = {"tue": [["09:00", "10:00"], ["11:00", "18:00"]]}
    desks = (_desk("Ana", "+351910000001", "primary", hours=split),)
    assert decide(line(desks=desks), STRANGER, TUESDAY_10_15).action == Action.voicemail
    later = decide(line(desks=desks), STRANGER, TUESDAY_10_15 + timedelta(hours=1))
    assert later.action == Action.ring_secretaries


def test_shift_status_counts_for_the_live_moment_not_for_a_simulated_future_one():
    desks = (_desk("Ana", "+351910000001", "primary", status="on_break"),)
    read = line(desks=desks, read_at=TUESDAY_10_15)
    assert decide(read, STRANGER, TUESDAY_10_15).action == Action.voicemail
    next_week = decide(read, STRANGER, TUESDAY_10_15 + timedelta(days=7))
    assert next_week.rounds == ((("+351910000001",), "Almeida & Filhos"),)
