"""The voice webhooks, signed like the provider signs them, answered with TwiML; the jobs
they leave run on real Redis with the project's worker."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from agency.domains.calls import services
from agency.domains.calls.models import Call, Message
from agency.domains.clients.models import Client
from agency.domains.hours.models import TimeEntry
from agency.domains.notify.models import OutboundEmail
from agency.domains.schedules.tick import run_for_agency
from agency.domains.sla.services import add_holiday
from agency.domains.staff.models import Secretary
from agency.domains.staff.services import add_shift_override
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.validation import WEEKDAYS
from tenants import use_agency
from tests.conftest import rows

pytestmark = pytest.mark.sqlite

TOKEN = "alpha-auth-token-0123456789abcdef"
LINE = "+442079460100"
CLIENT_PHONE = "+351912345678"
DESK_PHONE = "+351910000001"
VIP = "+442079460001"
STRANGER = "+442079460999"
TUESDAY_10_15 = datetime(2026, 12, 1, 10, 15, tzinfo=UTC)


@pytest.fixture
def line(agency, other_agency):
    """Alpha's client on a pool number, with a VIP, a phone, and its secretary on shift,
    all set up on the Tuesday morning the calls come in."""
    clock.freeze(TUESDAY_10_15)
    with use_agency(agency.agency.id):
        services.save_voice_settings({"account_sid": "AC123", "auth_token": TOKEN})
        services.add_number({"number": LINE, "client_id": agency.client.id})
        client = db.session.get(Client, agency.client.id)
        client.greeting = "Alpha Client, good morning"
        client.timezone = "Europe/Lisbon"
        secretary = db.session.get(Secretary, agency.profile.id)
        secretary.phone, secretary.shift_status = DESK_PHONE, "on_shift"
        secretary.schedule = {day: [["08:00", "19:00"]] for day in WEEKDAYS[:5]}
        db.session.commit()
        services.save_rules(
            client,
            {
                "vip_numbers": [VIP],
                "block_numbers": ["+4477*"],
                "client_phone": CLIENT_PHONE,
                "urgent_keywords": ["urgent"],
            },
        )
    with use_agency(other_agency.agency.id):  # Bravo has its own token and number
        services.save_voice_settings({"auth_token": "bravo-token"})
        services.add_number({"number": "+442079460200", "client_id": other_agency.client.id})
    yield agency
    clock.freeze(None)


@pytest.fixture
def cold(line, agency):
    """The client's put-throughs are cold: their phone rings at once."""
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        services.save_rules(client, {"transfer_mode": "cold"}, partial=True)
    return line


def whisper_kinds(root) -> list[str]:
    return [parse_qs(urlsplit(n.get("url")).query)["kind"][0] for n in root.iter("Number")]


def sign(url: str, params: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


def call(http, path="/hooks/voice", token=TOKEN, **params):
    form = {"CallSid": "CA0001", "From": STRANGER, "To": LINE, **params}
    url = f"http://localhost{path}"
    headers = {"X-Twilio-Signature": sign(url, form, token)}
    return http.post(path, data=form, headers=headers)


def twiml(response) -> ET.Element:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.get_data(as_text=True))


def dialled(root) -> list[str]:
    return [n.text for n in root.iter("Number")]


def test_non_vip_caller_rings_the_primary_secretary_with_the_clients_name(client, line):
    root = twiml(call(client))
    dial = root.find("Dial")
    assert dial is not None and dial.get("timeout") == "20"
    assert dialled(root) == [DESK_PHONE]
    whisper = urlsplit(root.find("Dial/Number").get("url"))
    assert whisper.path == "/hooks/voice/whisper"
    assert parse_qs(whisper.query)["text"] == ["Alpha Client"]
    assert urlsplit(dial.get("action")).query == "step=1"


def test_vip_is_put_through_cold_to_the_client_with_a_whisper(client, cold):
    root = twiml(call(client, From=VIP))
    assert dialled(root) == [CLIENT_PHONE]
    whisper = parse_qs(urlsplit(root.find("Dial/Number").get("url")).query)
    assert whisper == {"kind": ["from"], "text": [VIP], "line": [LINE]}


def test_client_not_answering_falls_back_to_the_secretaries(client, cold):
    root = twiml(call(client, "/hooks/voice/next?step=1", From=VIP, DialCallStatus="no-answer"))
    assert dialled(root) == [DESK_PHONE]


def test_nobody_answering_ends_in_voicemail_with_the_greeting(client, line):
    root = twiml(call(client, "/hooks/voice/next?step=1", DialCallStatus="no-answer"))
    says = [s.text for s in root.iter("Say")]
    assert says[0] == "Alpha Client, good morning"
    record = root.find("Record")
    assert record is not None and record.get("transcribe") == "true"


def test_blocked_caller_is_rejected(client, line):
    root = twiml(call(client, From="+447700900123"))
    assert [child.tag for child in root] == ["Reject"]


def test_nobody_on_shift_goes_straight_to_voicemail(client, line, agency):
    with use_agency(agency.agency.id):
        db.session.get(Secretary, agency.profile.id).shift_status = "off"
        db.session.commit()
    root = twiml(call(client))
    assert root.find("Dial") is None and root.find("Record") is not None


def test_away_until_expiring_puts_vips_through_again(client, line, agency):
    with use_agency(agency.agency.id):
        services.set_status(
            db.session.get(Client, agency.client.id),
            {
                "status_text": "Away",
                "status_until": (TUESDAY_10_15 + timedelta(hours=1)).isoformat(),
            },
        )
    assert whisper_kinds(twiml(call(client, From=VIP))) == ["for"]
    clock.freeze(TUESDAY_10_15 + timedelta(hours=1))
    assert whisper_kinds(twiml(call(client, From=VIP))) == ["put"]


def test_unavailable_window_across_the_dst_change(client, line, agency):
    with use_agency(agency.agency.id):
        services.save_rules(
            db.session.get(Client, agency.client.id),
            {"unavailable_windows": [{"weekday": "tue", "start": "09:00", "end": "12:00"}]},
            partial=True,
        )
    clock.freeze(datetime(2026, 10, 20, 8, 30, tzinfo=UTC))  # 09:30 in Lisbon (summer time)
    assert whisper_kinds(twiml(call(client, From=VIP))) == ["for"]
    clock.freeze(datetime(2026, 10, 27, 8, 30, tzinfo=UTC))  # 08:30 in Lisbon (winter time)
    assert whisper_kinds(twiml(call(client, From=VIP))) == ["put"]


def test_bad_or_missing_signature_is_refused(client, line):
    assert call(client, token="not-the-token").status_code == 403
    unsigned = client.post("/hooks/voice", data={"CallSid": "CA1", "From": VIP, "To": LINE})
    assert unsigned.status_code == 403


def test_another_agencys_token_does_not_open_this_line(client, line):
    assert call(client, token="bravo-token").status_code == 403


def test_malformed_requests_are_400(client, line):
    assert client.post("/hooks/voice", data={"From": VIP, "To": LINE}).status_code == 400
    assert client.post("/hooks/voice", json={"CallSid": "CA1", "To": LINE}).status_code == 400
    bad_step = call(client, "/hooks/voice/next?step=x", DialCallStatus="no-answer")
    assert bad_step.status_code == 400


def test_unknown_number_gets_a_polite_answer(client, line):
    root = twiml(call(client, To="+442079469999"))
    assert root.find("Say") is not None and root.find("Hangup") is not None


def test_signature_checks_the_public_url_behind_a_proxy(app, line):
    app.config["PUBLIC_URL"] = "https://calls.example"
    form = {"CallSid": "CA0009", "From": STRANGER, "To": LINE}
    signature = sign("https://calls.example/hooks/voice", form)
    response = app.test_client().post(
        "/hooks/voice", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert dialled(twiml(response)) == [DESK_PHONE]


def test_same_call_sid_twice_is_one_call_and_answered_time_is_billed_once(
    client, line, agency, drain
):
    twiml(call(client))
    twiml(call(client))
    done = call(
        client, "/hooks/voice/next?step=1", DialCallStatus="completed", DialCallDuration="95"
    )
    assert twiml(done).find("Hangup") is not None
    for _ in range(2):
        status = call(client, "/hooks/voice/status", CallStatus="completed", CallDuration="100")
        assert status.status_code == 204
    drain()
    calls = rows(Call, agency.agency.id)
    assert len(calls) == 1
    assert (calls[0].status, calls[0].duration_seconds, calls[0].answered_by) == (
        "completed",
        100,
        "secretary",
    )
    entries = rows(TimeEntry, agency.agency.id)
    assert [(e.source, e.raw_minutes, e.contract_id) for e in entries] == [
        ("call", 2, agency.contract.id)
    ]
    assert calls[0].time_entry_id == entries[0].id


def _hold_jobs(app, func_name: str) -> list:
    """Take the waiting ``func_name`` jobs off the realtime queue: a busy worker has them."""
    from rq import Queue

    queue = Queue("realtime", connection=app.extensions["redis"])
    held = [job for job in queue.jobs if job.func_name == func_name]
    for job in held:
        queue.remove(job)
    return held


def _release(app, jobs: list) -> None:
    from rq import Queue

    queue = Queue("realtime", connection=app.extensions["redis"])
    for job in jobs:
        queue.enqueue_job(job)


def test_callbacks_that_overtake_the_ringing_record_still_end_and_bill_the_call(
    app, client, line, agency, drain
):
    twiml(call(client))
    held = _hold_jobs(app, "workers.jobs.record_calls")
    assert len(held) == 1
    [number] = twiml(call(client, CallSid="CA0001")).iter("Number")  # the provider retried
    whisper = number.get("url").removeprefix("http://localhost")
    twiml(call(client, whisper, CallSid="CA0001-leg", ParentCallSid="CA0001", To=DESK_PHONE))
    call(client, "/hooks/voice/next?step=1", DialCallStatus="completed", DialCallDuration="95")
    call(client, "/hooks/voice/status", CallStatus="completed", CallDuration="100")
    drain()
    [ended] = rows(Call, agency.agency.id)
    assert (ended.status, ended.duration_seconds, ended.answered_by) == (
        "completed",
        100,
        "secretary",
    )
    assert (ended.answered_by_secretary_id, ended.secretary_leg_sid) == (
        agency.profile.id,
        "CA0001-leg",
    )
    [entry] = rows(TimeEntry, agency.agency.id)
    assert (entry.source, entry.raw_minutes, entry.secretary_id) == ("call", 2, agency.profile.id)
    _release(app, held)  # the inbox's own job comes round at last: nothing changes
    drain()
    assert [(c.id, c.status) for c in rows(Call, agency.agency.id)] == [(ended.id, "completed")]
    assert [e.id for e in rows(TimeEntry, agency.agency.id)] == [entry.id]


def test_a_callback_for_a_call_not_written_anywhere_yet_is_retried(
    app, client, line, agency, drain
):
    import json

    from rq.job import Job
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry

    from agency.domains.calls.history import INBOX_KEY, record_call

    redis = app.extensions["redis"]
    twiml(call(client))
    _hold_jobs(app, "workers.jobs.record_calls")
    # Another worker has taken the inbox's calls and not committed them yet.
    [waiting] = redis.lrange(INBOX_KEY.format(agency_id=agency.agency.id), 0, -1)
    redis.delete(INBOX_KEY.format(agency_id=agency.agency.id))
    call(client, "/hooks/voice/status", CallStatus="completed", CallDuration="40")
    drain()
    assert rows(Call, agency.agency.id) == []
    assert FailedJobRegistry("realtime", connection=redis).get_job_ids() == []
    scheduled = ScheduledJobRegistry("realtime", connection=redis)
    (job_id,) = scheduled.get_job_ids()
    job = Job.fetch(job_id, connection=redis)
    assert (job.func_name, job.get_status(), job.retries_left) == (
        "workers.jobs.call_ended",
        "scheduled",
        3,
    )
    with use_agency(agency.agency.id):
        record_call(json.loads(waiting))  # that worker commits
    scheduled.remove(job)  # the retry's time has come
    _release(app, [job])
    drain()
    [ended] = rows(Call, agency.agency.id)
    assert (ended.status, ended.duration_seconds) == ("completed", 40)


def test_unanswered_call_is_not_billed(client, line, agency, drain):
    twiml(call(client))
    call(client, "/hooks/voice/status", CallStatus="no-answer", CallDuration="30")
    drain()
    assert rows(Call, agency.agency.id)[0].status == "no-answer"
    assert rows(TimeEntry, agency.agency.id) == []


def signed_post(http, url: str, form: dict, token: str = TOKEN):
    """POST to a URL we gave the provider, as the provider does: signed over the whole URL."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return http.post(path, data=form, headers={"X-Twilio-Signature": sign(url, form, token)})


def voicemail_urls(http) -> dict:
    """The Record verb's URLs for CA0001 (nobody answered): action and callbacks."""
    record = twiml(call(http, "/hooks/voice/next?step=1", DialCallStatus="no-answer")).find(
        "Record"
    )
    return {
        "recorded": record.get("action"),
        "recording": record.get("recordingStatusCallback"),
        "transcription": record.get("transcribeCallback"),
    }


RECORDING_URL = "https://api.example/2010-04-01/Accounts/AC123/Recordings/RE1"


def recording_status_form(**changes) -> dict:
    """What the provider's recordingStatusCallback sends: no From, no To."""
    return {
        "AccountSid": "AC123",
        "CallSid": "CA0001",
        "RecordingSid": "RE1",
        "RecordingUrl": RECORDING_URL,
        "RecordingStatus": "completed",
        "RecordingDuration": "14",
        "RecordingChannels": "1",
        "RecordingStartTime": "Tue, 01 Dec 2026 10:15:30 +0000",
        "RecordingSource": "RecordVerb",
        "RecordingTrack": "both",
        **changes,
    }


def transcription_form(text: str) -> dict:
    """What the provider's transcribeCallback sends."""
    return {
        "AccountSid": "AC123",
        "CallSid": "CA0001",
        "From": STRANGER,
        "To": LINE,
        "CallStatus": "completed",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "TranscriptionSid": "TR1",
        "TranscriptionStatus": "completed",
        "TranscriptionText": text,
        "TranscriptionUrl": "https://api.example/Transcriptions/TR1",
        "RecordingSid": "RE1",
        "RecordingUrl": RECORDING_URL,
    }


def recorded_form() -> dict:
    """What the Record's action gets: the call's own parameters and the recording."""
    return {
        "AccountSid": "AC123",
        "CallSid": "CA0001",
        "From": STRANGER,
        "To": LINE,
        "CallStatus": "in-progress",
        "Direction": "inbound",
        "RecordingUrl": RECORDING_URL,
        "RecordingSid": "RE1",
        "RecordingDuration": "14",
        "Digits": "hangup",
    }


def test_the_urls_given_for_a_voicemail_carry_the_line_and_the_caller(client, line):
    for url in voicemail_urls(client).values():
        query = parse_qs(urlsplit(url).query)
        assert (query["line"], query["caller"]) == ([LINE], [STRANGER]), url


def test_voicemail_from_the_providers_callbacks_becomes_one_urgent_message_and_item(
    client, line, agency, drain, mail
):
    twiml(call(client))
    urls = voicemail_urls(client)
    recording = signed_post(client, urls["recording"], recording_status_form())
    goodbye = twiml(signed_post(client, urls["recorded"], recorded_form()))
    transcribed = signed_post(
        client,
        urls["transcription"],
        transcription_form("This is urgent: the server room is flooding, call me back"),
    )
    assert (recording.status_code, transcribed.status_code) == (204, 204)
    assert [child.tag for child in goodbye] == ["Say", "Hangup"]
    drain()
    [message] = rows(Message, agency.agency.id)
    assert (message.number, message.recording_url, message.urgency) == (
        STRANGER,
        RECORDING_URL,
        "urgent",
    )
    assert "flooding" in message.reason
    assert message.call_id == rows(Call, agency.agency.id)[0].id
    [item] = [i for i in rows(WorkItem, agency.agency.id) if i.kind == "message"]
    assert item.links["message_id"] == message.id and STRANGER in item.title
    email = mail.wait_for(agency.client.email)
    assert "Urgent message" in email["Subject"]
    assert "flooding" in email.get_payload(decode=True).decode()


def test_the_records_action_alone_keeps_the_recording(client, line, agency, drain):
    twiml(call(client))
    urls = voicemail_urls(client)
    twiml(signed_post(client, urls["recorded"], recorded_form()))
    drain()
    [message] = rows(Message, agency.agency.id)
    assert (message.recording_url, message.number, message.source) == (
        RECORDING_URL,
        STRANGER,
        "voicemail",
    )
    signed_post(client, urls["recording"], recording_status_form())  # the callback follows
    drain()
    assert [m.id for m in rows(Message, agency.agency.id)] == [message.id]
    assert len([i for i in rows(WorkItem, agency.agency.id) if i.kind == "message"]) == 1


def test_a_recording_callback_for_a_line_it_was_not_given_is_refused(client, line):
    urls = voicemail_urls(client)
    form = recording_status_form()
    signature = sign(urls["recording"], form)
    moved = urls["recording"].replace("%2B442079460100", "%2B442079460200")  # Bravo's line
    path = moved.removeprefix("http://localhost")
    assert client.post(path, data=form, headers={"X-Twilio-Signature": signature}).status_code == (
        403
    )
    unsigned = client.post(urls["recording"].removeprefix("http://localhost"), data=form)
    assert unsigned.status_code == 403


def test_a_recording_callback_that_names_no_line_is_400(client, line):
    form = recording_status_form()
    url = "http://localhost/hooks/voice/recording"
    response = client.post(
        "/hooks/voice/recording", data=form, headers={"X-Twilio-Signature": sign(url, form)}
    )
    assert response.status_code == 400


def test_a_voicemail_item_turns_urgent_and_due_sooner_when_its_transcription_is_urgent(
    client, line, agency, drain
):
    twiml(call(client))
    urls = voicemail_urls(client)
    signed_post(client, urls["recording"], recording_status_form())
    drain()
    [item] = [i for i in rows(WorkItem, agency.agency.id) if i.kind == "message"]
    assert (item.priority, item.sla_due_at) == ("normal", TUESDAY_10_15 + timedelta(hours=4))
    clock.freeze(TUESDAY_10_15 + timedelta(minutes=2))
    signed_post(client, urls["transcription"], transcription_form("Urgent: the alarm is on"))
    drain()
    db.session.expire_all()
    [item] = [i for i in rows(WorkItem, agency.agency.id) if i.kind == "message"]
    assert (item.priority, item.sla_due_at) == ("urgent", TUESDAY_10_15 + timedelta(minutes=5))
    assert rows(Message, agency.agency.id)[0].urgency == "urgent"


def test_non_urgent_messages_arrive_in_one_digest(line, agency, drain, mail):
    from agency.domains.calls.messages import take_message

    with use_agency(agency.agency.id):
        for urgency, reason in (("low", "Brochure request"), ("high", "Contract question")):
            take_message({"client_id": agency.client.id, "reason": reason, "urgency": urgency})
    drain()
    assert mail.to(agency.client.email) == []
    clock.freeze(datetime(2026, 12, 1, 17, 1, tzinfo=UTC))  # past 17:00 in Lisbon
    run_for_agency(agency.agency.id)
    run_for_agency(agency.agency.id)  # the same minute again: nothing more is sent
    drain()
    emails = mail.to(agency.client.email)
    assert len(emails) == 1
    body = emails[0].get_payload(decode=True).decode()
    assert body.index("Contract question") < body.index("Brochure request")
    with use_agency(agency.agency.id):
        sent = db.session.scalars(select(OutboundEmail.purpose)).all()
    assert sent == ["message_digest"]


# --- working calendars: only who works at the call's moment is rung ------------------------

SATURDAY_10_15 = datetime(2026, 12, 5, 10, 15, tzinfo=UTC)


def test_nobody_working_on_saturday_goes_to_voicemail_unless_an_override_gives_hours(
    client, line, agency
):
    clock.freeze(SATURDAY_10_15)
    root = twiml(call(client))
    assert root.find("Dial") is None and root.find("Record") is not None
    with use_agency(agency.agency.id):
        add_shift_override(
            db.session.get(Secretary, agency.profile.id),
            {"day": "2026-12-05", "spans": [["10:00", "14:00"]]},
        )
    assert dialled(twiml(call(client))) == [DESK_PHONE]


def test_an_agency_holiday_sends_calls_to_voicemail(client, line, agency):
    with use_agency(agency.agency.id):
        add_holiday({"date": "2026-12-01", "name": "Restoration of Independence"})
    root = twiml(call(client))
    assert root.find("Dial") is None and root.find("Record") is not None


def test_the_simulator_answers_for_a_future_moment_by_the_calendar(line, agency):
    with use_agency(agency.agency.id):
        secretary = db.session.get(Secretary, agency.profile.id)
        secretary.shift_status = "off"  # now; next Tuesday is another day
        db.session.commit()
        client_record = db.session.get(Client, agency.client.id)
        next_tuesday = {"caller": STRANGER, "at": "2026-12-08T10:15:00Z"}
        assert services.simulate(client_record, next_tuesday).rounds == (
            ((DESK_PHONE,), "Alpha Client"),
        )
        now = {"caller": STRANGER, "at": TUESDAY_10_15.isoformat()}
        assert services.simulate(client_record, now).rule == "no_secretary_on_shift"
        add_shift_override(secretary, {"day": "2026-12-08", "spans": []})
        assert services.simulate(client_record, next_tuesday).rule == "no_secretary_on_shift"
        saturday = {"caller": STRANGER, "at": "2026-12-12T11:00:00Z"}
        assert services.simulate(client_record, saturday).rule == "no_secretary_on_shift"
        add_shift_override(secretary, {"day": "2026-12-12", "spans": [["10:00", "13:00"]]})
        assert services.simulate(client_record, saturday).rule == "secretaries"


def test_ringing_calls_wait_in_the_agencys_inbox_for_one_job(app, client, line, agency, drain):
    from rq import Queue

    from agency.domains.calls.history import INBOX_KEY

    redis = app.extensions["redis"]
    for n in range(3):
        twiml(call(client, CallSid=f"CA-inbox-{n}"))
    realtime = Queue("realtime", connection=redis)
    assert [job.func_name for job in realtime.jobs] == ["workers.jobs.record_calls"]
    assert realtime.jobs[0].meta["agency_id"] == agency.agency.id
    assert redis.llen(INBOX_KEY.format(agency_id=agency.agency.id)) == 3
    assert rows(Call, agency.agency.id) == []  # the webhook writes nothing itself
    drain()
    assert sorted(c.call_sid for c in rows(Call, agency.agency.id)) == [
        "CA-inbox-0",
        "CA-inbox-1",
        "CA-inbox-2",
    ]
    assert redis.llen(INBOX_KEY.format(agency_id=agency.agency.id)) == 0
    twiml(call(client, CallSid="CA-inbox-3"))  # the next call asks for a job again
    assert [job.func_name for job in realtime.jobs] == ["workers.jobs.record_calls"]


def test_two_inbox_jobs_at_once_lose_no_call(app, client, line, agency):
    from agency.domains.calls.history import INBOX_KEY, record_inbox, write_from_inbox

    redis = app.extensions["redis"]
    key = INBOX_KEY.format(agency_id=agency.agency.id)
    for n in range(2):
        twiml(call(client, CallSid=f"CA-both-{n}"))
    seen_by_the_other = redis.lrange(key, 0, -1)  # a second job reads the same head...
    with use_agency(agency.agency.id):
        assert record_inbox(agency.agency.id) == 2  # ...while the first writes it all
    twiml(call(client, CallSid="CA-both-late"))  # a call rings in between
    with use_agency(agency.agency.id):
        write_from_inbox(key, seen_by_the_other)  # the second finishes what it read
    assert [r for r in redis.lrange(key, 0, -1) if b"CA-both-late" in r]  # still waiting
    with use_agency(agency.agency.id):
        assert record_inbox(agency.agency.id) == 1
    assert sorted(c.call_sid for c in rows(Call, agency.agency.id)) == [
        "CA-both-0",
        "CA-both-1",
        "CA-both-late",
    ]


def test_calls_a_lost_job_left_in_the_inbox_are_written_by_the_next_tick(
    app, client, line, agency, drain
):
    from rq import Queue

    redis = app.extensions["redis"]
    twiml(call(client, CallSid="CA-lost"))
    twiml(call(client, CallSid="CA-lost"))  # the provider retried: still one call
    Queue("realtime", connection=redis).empty()  # the job is lost
    twiml(call(client, CallSid="CA-lost-2"))  # the inbox is not empty: no job of its own
    drain()
    assert rows(Call, agency.agency.id) == []
    run_for_agency(agency.agency.id)
    drain()
    assert sorted(c.call_sid for c in rows(Call, agency.agency.id)) == ["CA-lost", "CA-lost-2"]


# --- rules kept before their times were checked ---------------------------------------------


def test_unreadable_stored_times_do_not_fail_a_ringing_phone(client, line, agency):
    with use_agency(agency.agency.id):
        client_record = db.session.get(Client, agency.client.id)
        client_record.unavailable_windows = [
            {"weekday": "tue", "start": "25:00", "end": "12:99"},
            {"weekday": "tue", "start": "24:00"},
        ]
        client_record.business_hours = {"tue": [["08:00", "99:99"], ["x"]]}
        rules = services.rules_for(client_record)
        rules.scheduled_statuses = [{"starts_at": "soon", "ends_at": "later", "text": "Away"}]
        db.session.commit()
    assert dialled(twiml(call(client))) == [DESK_PHONE]
    # No readable business hours hold the moment: the VIP is answered by the secretaries.
    vip = twiml(call(client, CallSid="CA0002", From=VIP))
    assert dialled(vip) == [DESK_PHONE] and whisper_kinds(vip) == ["for"]
    with use_agency(agency.agency.id):
        assert services.current_status(db.session.get(Client, agency.client.id)) == ""


# --- every rule path, as TwiML --------------------------------------------------------------

BACKUP_PHONE = "+351910000002"


@pytest.fixture
def backup(line, agency):
    """A backup secretary of the client, on shift, working the same hours."""
    from agency.domains.clients.models import Assignment

    with use_agency(agency.agency.id):
        rui = Secretary(
            name="Alpha Backup",
            email="backup@alpha.example",
            phone=BACKUP_PHONE,
            shift_status="on_shift",
            schedule={day: [["08:00", "19:00"]] for day in WEEKDAYS[:5]},
        )
        db.session.add(rui)
        db.session.flush()
        db.session.add(Assignment(client_id=agency.client.id, secretary_id=rui.id, role="backup"))
        db.session.commit()
    return line


def _rules(agency, **changes) -> None:
    with use_agency(agency.agency.id):
        services.save_rules(db.session.get(Client, agency.client.id), changes, partial=True)


def test_primary_then_backup_ring_one_after_the_other_by_default(client, backup):
    first = twiml(call(client))
    assert dialled(first) == [DESK_PHONE]
    assert parse_qs(urlsplit(first.find("Dial").get("action")).query) == {"step": ["1"]}
    second = twiml(call(client, "/hooks/voice/next?step=1", DialCallStatus="no-answer"))
    assert dialled(second) == [BACKUP_PHONE]
    last = twiml(call(client, "/hooks/voice/next?step=2", DialCallStatus="no-answer"))
    assert [child.tag for child in last] == ["Say", "Say", "Record"]


def test_simultaneous_ringing_dials_every_desk_at_once(client, backup, agency):
    _rules(agency, ring_mode="simultaneous", ring_seconds=25)
    root = twiml(call(client))
    [dial] = root.findall("Dial")
    assert dial.get("timeout") == "25" and dial.get("answerOnBridge") == "true"
    assert dialled(root) == [DESK_PHONE, BACKUP_PHONE]
    assert whisper_kinds(root) == ["for", "for"]
    after = twiml(call(client, "/hooks/voice/next?step=1", DialCallStatus="no-answer"))
    assert after.find("Dial") is None and after.find("Record") is not None


def test_a_forward_listed_caller_is_put_through_cold_or_announced_warm(client, line, agency):
    _rules(agency, forward_numbers=["+4420794609*"])
    warm = twiml(call(client))  # STRANGER is +442079460999
    assert dialled(warm) == [DESK_PHONE] and whisper_kinds(warm) == ["put"]
    _rules(agency, transfer_mode="cold")
    cold = twiml(call(client, CallSid="CA0002"))
    assert dialled(cold) == [CLIENT_PHONE] and whisper_kinds(cold) == ["from"]
    back = twiml(
        call(client, "/hooks/voice/next?step=1", CallSid="CA0002", DialCallStatus="no-answer")
    )
    assert dialled(back) == [DESK_PHONE]


def test_outside_business_hours_a_vip_is_answered_by_the_secretaries(client, cold, agency):
    _rules(agency, business_hours={"tue": [["14:00", "18:00"]]})
    root = twiml(call(client, From=VIP))  # 10:15 in Lisbon
    assert dialled(root) == [DESK_PHONE] and whisper_kinds(root) == ["for"]
    clock.freeze(TUESDAY_10_15 + timedelta(hours=5))  # 15:15
    assert dialled(twiml(call(client, CallSid="CA0002", From=VIP))) == [CLIENT_PHONE]


def test_a_scheduled_status_keeps_vips_with_the_secretaries_while_it_lasts(client, cold, agency):
    _rules(
        agency,
        scheduled_statuses=[
            {
                "starts_at": "2026-12-01T10:00:00+00:00",
                "ends_at": "2026-12-01T11:00:00+00:00",
                "text": "At the dentist",
            }
        ],
    )
    during = twiml(call(client, From=VIP))
    assert dialled(during) == [DESK_PHONE] and whisper_kinds(during) == ["for"]
    clock.freeze(datetime(2026, 12, 1, 11, 0, tzinfo=UTC))
    after = twiml(call(client, CallSid="CA0002", From=VIP))
    assert dialled(after) == [CLIENT_PHONE] and whisper_kinds(after) == ["from"]


def test_with_no_client_phone_a_vip_is_answered_by_the_secretaries(client, cold, agency):
    _rules(agency, client_phone=None)
    root = twiml(call(client, From=VIP))
    assert dialled(root) == [DESK_PHONE] and whisper_kinds(root) == ["for"]
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).phone = "+351919999999"
        db.session.commit()
    assert dialled(twiml(call(client, CallSid="CA0002", From=VIP))) == ["+351919999999"]


def test_an_answered_call_is_billed_by_the_contracts_rounding(client, line, agency, drain):
    from agency.domains.contracts.models import Contract

    with use_agency(agency.agency.id):
        contract = db.session.get(Contract, agency.contract.id)
        contract.rounding_minutes, contract.minimum_minutes = 15, 0
        db.session.commit()
    twiml(call(client))
    call(client, "/hooks/voice/next?step=1", DialCallStatus="completed", DialCallDuration="95")
    call(client, "/hooks/voice/status", CallStatus="completed", CallDuration="110")
    twiml(call(client, CallSid="CA0002"))  # a long one: 16 minutes and a second
    call(
        client,
        "/hooks/voice/next?step=1",
        CallSid="CA0002",
        DialCallStatus="completed",
        DialCallDuration="961",
    )
    call(
        client, "/hooks/voice/status", CallSid="CA0002", CallStatus="completed", CallDuration="970"
    )
    drain()
    entries = sorted(rows(TimeEntry, agency.agency.id), key=lambda e: e.raw_minutes)
    # The secretary's answered time counts (95 s, 961 s), rounded up to the next 15 minutes.
    assert [(e.raw_minutes, e.billable_minutes) for e in entries] == [(2, 15), (17, 30)]


# --- the PostgreSQL line function and the ORM read the same line ----------------------------


@pytest.mark.postgres
def test_the_line_function_and_the_orm_give_the_same_line_and_decisions(backup, agency):
    from agency.domains.calls.decision import decide
    from agency.domains.calls.lookup import context_for
    from agency.domains.clients.services import create_contact
    from agency.domains.staff.services import add_absence

    with use_agency(agency.agency.id):
        client_record = db.session.get(Client, agency.client.id)
        client_record.business_hours = {"tue": [["09:00", "18:00"]], "wed": [["09:00", "12:00"]]}
        client_record.unavailable_windows = [
            {"weekday": "tue", "start": "12:00", "end": "13:00", "label": "Lunch"}
        ]
        db.session.commit()
        create_contact(client_record, {"name": "Ana VIP", "phone": "+351912000111", "vip": True})
        services.save_rules(
            client_record,
            {
                "forward_numbers": ["+4420794609*"],
                "ring_mode": "simultaneous",
                "scheduled_statuses": [
                    {
                        "starts_at": "2026-12-02T10:00:00+00:00",
                        "ends_at": "2026-12-02T11:00:00+00:00",
                        "text": "Away",
                    }
                ],
            },
            partial=True,
        )
        backup_desk = db.session.scalar(db.select(Secretary).where(Secretary.phone == BACKUP_PHONE))
        add_absence(backup_desk, {"starts_on": "2026-12-02", "ends_on": "2026-12-02"})
        add_shift_override(
            db.session.get(Secretary, agency.profile.id),
            {"day": "2026-12-02", "spans": [["10:00", "11:30"]]},
        )
        add_holiday({"date": "2026-11-30", "name": "St Andrew"})
    moments = [
        TUESDAY_10_15,
        datetime(2026, 12, 1, 12, 30, tzinfo=UTC),  # the lunch window
        datetime(2026, 12, 1, 19, 30, tzinfo=UTC),  # after hours
        datetime(2026, 12, 2, 10, 30, tzinfo=UTC),  # away; the override; the backup absent
        datetime(2026, 11, 30, 10, 30, tzinfo=UTC),  # the holiday
    ]
    callers = [VIP, "+351912000111", STRANGER, "+447700900123", "+442079460555"]
    for at in moments:
        clock.freeze(at)
        from_function = context_for(LINE, at)
        with use_agency(agency.agency.id):
            from_orm = services.line_for(db.session.get(Client, agency.client.id), at)
            db.session.rollback()
        assert from_function.line == from_orm, at
        for caller in callers:
            assert decide(from_function.line, caller, at) == decide(from_orm, caller, at)


def test_every_prompt_speaks_the_clients_language(client, line, agency):
    """A German client's line: the greeting and every prompt after it in German, in the
    provider's German voice; with no language of its own, the agency's."""
    with use_agency(agency.agency.id):
        german_client = db.session.get(Client, agency.client.id)
        german_client.languages = ["de", "en"]
        german_client.greeting = "Kanzlei Alpha, guten Tag"
        db.session.commit()
    root = twiml(call(client, "/hooks/voice/next?step=1", DialCallStatus="no-answer"))
    says = list(root.iter("Say"))
    assert [s.text for s in says] == [
        "Kanzlei Alpha, guten Tag",
        "Bitte hinterlassen Sie Ihre Nachricht nach dem Signalton.",
    ]
    assert {s.get("language") for s in says} == {"de-DE"}
    recorded = signed_post(client, root.find("Record").get("action"), recorded_form())
    [goodbye] = twiml(recorded).iter("Say")
    assert goodbye.get("language") == "de-DE" and "Nachricht" in goodbye.text

    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).languages = []
        db.session.commit()
    says = list(
        twiml(call(client, "/hooks/voice/next?step=1", DialCallStatus="no-answer")).iter("Say")
    )
    assert says[1].text == "Please leave your message after the tone."
    assert {s.get("language") for s in says} == {"en-GB"}
