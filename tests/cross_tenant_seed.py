"""Agency A's records of every kind, for the cross-tenant tests: how to name each in a
URL (``FILLERS``), and the check that B's requests left them as they were."""

from datetime import date, timedelta

from rq.registry import FailedJobRegistry
from sqlalchemy import select

from agency.domains.accounts import api_tokens, invitations
from agency.domains.accounts.models import ApiToken, Invitation, User
from agency.domains.billing.models import Invoice, OverageApproval
from agency.domains.calendar import booking, meetings
from agency.domains.calendar import events as calendar_events
from agency.domains.calendar.models import (
    BookingPage,
    CalendarEvent,
    CalendarFeed,
    MeetingRequest,
    MeetingRules,
)
from agency.domains.calendar.services import ensure_feed
from agency.domains.calendar.slots import save_rules as save_meeting_rules
from agency.domains.calls import services as calls
from agency.domains.calls.history import record_call
from agency.domains.calls.messages import take_message
from agency.domains.calls.models import Call, Message, PhoneNumber
from agency.domains.clients.models import Assignment, Client, Contact
from agency.domains.clients.services import create_contact
from agency.domains.contracts.models import Contract, Plan
from agency.domains.contracts.services import create_plan
from agency.domains.hours.models import TimeEntry
from agency.domains.paperwork import bills, chasing
from agency.domains.paperwork.models import Bill, BillRules, Chase, Receivable
from agency.domains.promotions import campaigns, consent, segments
from agency.domains.promotions.models import Campaign, Consent, Recipient, Segment, Suppression
from agency.domains.schedules.models import RecurringRule
from agency.domains.schedules.services import create_rule
from agency.domains.sla import services as sla
from agency.domains.sla.models import Holiday, SlaTarget
from agency.domains.staff.models import Absence, Secretary, ShiftOverride
from agency.domains.staff.services import add_absence, add_shift_override
from agency.domains.travel import documents as trip_documents
from agency.domains.travel import trips
from agency.domains.travel.models import ProposedSegment, Trip
from agency.domains.vault import entries as vault_entries
from agency.domains.vault.models import VaultEntry, VaultReveal
from agency.domains.websites import publishing
from agency.domains.websites import sites as websites
from agency.domains.websites import updates as site_updates
from agency.domains.websites.models import Publication, SiteUpdate, Website
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from agency.kernel.queue import redis_connection
from tenants import use_agency
from tests.conftest import fail_a_job
from tests.mail_seed import assert_mail_untouched, seed_mail

A_MARKERS = ("Alpha", "alpha.example")

# Parameter name -> how to find agency A's object for it.
FILLERS = {
    "token_id": lambda a: a.token_id,
    "invitation_id": lambda a: a.invitation_id,
    "user_id": lambda a: a.owner.id,
    "agency_id": lambda a: a.agency.id,
    "token": lambda a: "not-a-valid-signed-token",
    "secretary_id": lambda a: a.profile.id,
    "client_id": lambda a: a.client.id,
    "contact_id": lambda a: a.contact_id,
    "plan_id": lambda a: a.plan_id,
    "contract_id": lambda a: a.contract.id,
    "assignment_id": lambda a: a.assignment.id,
    "item_id": lambda a: a.item_id,
    "absence_id": lambda a: a.absence_id,
    "override_id": lambda a: a.override_id,
    "rule_id": lambda a: a.rule_id,
    "target_id": lambda a: a.target_id,
    "holiday_id": lambda a: a.holiday_id,
    "action": lambda a: "handback",
    "kind": lambda a: "clients",  # an import writes into B's own agency only
    "section": lambda a: "past-sla",  # a part of B's own dashboard
    "job_id": lambda a: a.failed_job_id,
    "number_id": lambda a: a.number_id,
    "message_id": lambda a: a.message_id,
    "call_id": lambda a: a.call_id,
    "email_id": lambda a: a.mail.email_id,
    "attachment_id": lambda a: a.mail.attachment_id,
    "draft_id": lambda a: a.mail.draft_id,
    "draft_attachment_id": lambda a: a.mail.draft_attachment_id,
    "dictation_id": lambda a: a.mail.dictation_id,
    "letter_id": lambda a: a.mail.letter_id,
    "template_id": lambda a: a.mail.template_id,
    "decision": lambda a: "approve",
    "step": lambda a: "mailed",
    "entry_id": lambda a: a.entry_id,
    "invoice_id": lambda a: a.invoice_id,
    "agency_slug": lambda a: a.agency.slug,  # A's Stripe hook: B's signature is not A's
    # A's calendar feed with its secret altered: the address is the key, and B lacks it.
    "feed_token": lambda a: a.feed_token[:-6] + "bravo0",
    "event_id": lambda a: a.event_id,
    "request_id": lambda a: a.meeting_request_id,
    # A's booking page is public; its address altered is nobody's.
    "address": lambda a: a.booking_address[:-6] + "bravo0",
    "trip_id": lambda a: a.trip_id,
    "segment_id": lambda a: a.segment_id,
    "document_id": lambda a: a.document_id,
    "proposal_id": lambda a: a.proposal_id,
    "bill_id": lambda a: a.bill_id,
    "bill_action": lambda a: "pay",
    "receivable_id": lambda a: a.receivable_id,
    "settled": lambda a: "paid",
    "vault_entry_id": lambda a: a.vault_entry_id,
    "website_id": lambda a: a.website_id,
    "site_update_id": lambda a: a.site_update_id,
    "update_id": lambda a: a.site_update_id,
    "site_file_id": lambda a: a.site_file_id,
    "image_id": lambda a: a.site_file_id,
    "publication_id": lambda a: a.publication_id,
    "campaign_id": lambda a: a.campaign_id,
    "campaign_step": lambda a: "cancel",
    "list_id": lambda a: a.contact_segment_id,
}


def seed_alpha(app, agency):
    """One of each of A's records, their ids set on ``agency``."""
    with use_agency(agency.agency.id):
        owner = db.session.get(User, agency.owner.id)
        token, _plain = api_tokens.issue_api_token(owner, "alpha integration")
        invitation = invitations.invite(
            owner, {"email": "newbie@alpha.example", "name": "Alpha Newbie", "role": "secretary"}
        )
        agency.token_id, agency.invitation_id = token.id, invitation.id
        client = db.session.get(Client, agency.client.id)
        db.session.get(Contract, agency.contract.id).overage_needs_approval = True
        agency.contact_id = create_contact(client, {"name": "Alpha Contact", "vip": True}).id
        agency.plan_id = create_plan(
            {
                "name": "Alpha Starter",
                "included_minutes": 600,
                "hourly_rate_minor": 1,
                "overage_rate_minor": 1,
                "currency": "EUR",
            }
        ).id
        item, _new = create_item(
            {"client_id": agency.client.id, "kind": "task", "title": "Alpha task"}
        )
        agency.item_id = item.id
        agency.rule_id = create_rule(
            {
                "client_id": agency.client.id,
                "title": "Alpha weekly report",
                "frequency": "weekly",
                "weekdays": ["mon"],
            }
        ).id
        agency.absence_id = add_absence(
            db.session.get(Secretary, agency.profile.id),
            {"starts_on": "2026-08-01", "ends_on": "2026-08-14"},
        ).id
        agency.override_id = add_shift_override(
            db.session.get(Secretary, agency.profile.id),
            {"day": "2026-08-15", "spans": [["10:00", "14:00"]], "note": "Alpha Saturday"},
        ).id
        agency.target_id = sla.save_target(
            {"contract_id": agency.contract.id, "priority": "urgent", "minutes": 3}
        )[0].id
        agency.holiday_id = sla.add_holiday({"date": "2026-12-24", "name": "Alpha Day"}).id
        agency.number_id = calls.add_number(
            {"number": "+442079460111", "client_id": agency.client.id}
        ).id
        agency.call_id = record_call(
            {
                "call_sid": "CAalpha0001",
                "client_id": agency.client.id,
                "from_number": "+442079460001",
                "to_number": "+442079460111",
                "action": "put_through",
                "rule": "vip",
                "transfer_mode": "warm",
            }
        ).id
        agency.message_id = take_message(
            {"client_id": agency.client.id, "reason": "Alpha message", "number": "+442079460222"}
        ).id
        agency.mail = seed_mail(agency)
        agency.feed_token = ensure_feed(client).token
        agency.event_id = calendar_events.create(
            client,
            {
                "title": "Alpha event",
                "starts_at": "2027-01-04T10:00",
                "ends_at": "2027-01-04T11:00",
            },
        ).id
        save_meeting_rules(client, {"daily_cap": 3, "buffer_before_minutes": 10})
        agency.booking_address = booking.save(
            client, {"enabled": True, "types": [{"name": "Alpha call", "minutes": 30}]}
        ).address
        soon = date.today() + timedelta(days=7)
        agency.meeting_request_id = meetings.propose(
            client,
            {"title": "Alpha meeting", "minutes": 30, "from": soon.isoformat(),
             "to": (soon + timedelta(days=7)).isoformat(),
             "participants": [{"email": "partner@alpha.example", "name": "Alpha Partner"}]},
        ).id  # fmt: skip
        trip = trips.create_trip(client, {"title": "Alpha trip", "travellers": ["Alpha"]})
        segment = trips.add_segment(
            trip,
            {"kind": "flight", "from": "LIS", "to": "OPO", "number": "TP 1940",
             "departs": "2027-01-05T08:00", "arrives": "2027-01-05T09:00"},
        )  # fmt: skip
        agency.trip_id, agency.segment_id = trip.id, segment.id
        agency.document_id = trip_documents.add(trip, "alpha-ticket.pdf", b"%PDF-1.4\n%%EOF\n").id
        agency.segment_event_id = segment.event_id
        proposal = ProposedSegment(
            client_id=client.id, email_id=agency.mail.email_id, kind="flight",
            segment={"kind": "flight", "from": "LIS", "to": "FAO", "number": "TP 1901",
                     "departs": "2027-01-06T08:00", "arrives": "2027-01-06T08:45"},
        )  # fmt: skip
        db.session.add(proposal)
        db.session.commit()
        agency.proposal_id = proposal.id
        agency.bill_id = bills.create(
            client, {"supplier": "Alpha Supplies", "amount": "50", "currency": "EUR",
                     "due_on": "2027-01-20"},
        ).id  # fmt: skip
        agency.receivable_id = chasing.create(
            client, {"customer_name": "Alpha Customer", "customer_email": "buyer@alpha.example",
                     "number": "A-1", "amount": "75", "currency": "EUR", "due_on": "2027-01-10"},
        ).id  # fmt: skip
        agency.vault_entry_id = vault_entries.create(
            client, {"label": "Alpha site", "username": "alpha", "secret": "alpha-secret-1"}
        ).id
        _alpha_website(agency, client)
        _alpha_campaign(agency, client)
        agency.entry_id, agency.invoice_id = _alpha_invoice(agency)

    agency.failed_job_id = fail_a_job(app, agency.agency.id)
    return agency


def _alpha_website(agency, client) -> None:
    """A's WordPress site with a schedule, an update asked for with a picture, and a post
    waiting for the client's approval."""
    site = websites.create(client, {
        "name": "Alpha shop", "url": "https://shop.alpha.example", "platform": "wordpress",
        "vault_entry_id": agency.vault_entry_id, "checklist": ["Alpha step"],
        "approve_before_publishing": True,
    })  # fmt: skip
    websites.set_schedule(site, {"frequency": "daily"})
    agency.website_id = site.id
    update = site_updates.request_update(
        client, site, {"text": "Alpha update"}, [("alpha.pdf", ALPHA_PDF)], None, "portal"
    )
    agency.site_update_id, agency.site_file_id = update.id, update.files[0].id
    manager = db.session.get(User, agency.manager.id)
    post = publishing.create(site, {"title": "Alpha post", "body": "Alpha text"}, None, manager)
    post.state = "awaiting_approval"
    db.session.commit()
    agency.publication_id = post.id


def _alpha_campaign(agency, client) -> None:
    """A's contact who consented, and A's campaign waiting for the client's approval."""
    contact = create_contact(client, {"name": "Alpha Customer", "email": "buyer@alpha.example"})
    consent.record(contact, {"given": True, "method": "in_person", "wording": "Alpha yes"})
    manager = db.session.get(User, agency.manager.id)
    made = campaigns.create(client, {
        "subject": "Alpha offer", "body": "Alpha text",
        "send_at": (date.today() + timedelta(days=30)).isoformat() + "T10:00:00",
    }, manager)  # fmt: skip
    campaigns.submit(made)
    agency.campaign_id = made.id
    agency.contact_segment_id = segments.create(client, {"name": "Alpha list", "tags": []}).id


ALPHA_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _alpha_invoice(agency) -> tuple[int, int]:
    """An issued October invoice of A's client, and an entry of November still open."""
    from datetime import UTC, date, datetime

    from agency.domains.billing import invoicing, reviews
    from agency.domains.hours.services import record_time

    record_time(
        agency.client.id,
        datetime(2026, 10, 2, 9, tzinfo=UTC),
        datetime(2026, 10, 2, 10, tzinfo=UTC),
    )
    entry = record_time(
        agency.client.id,
        datetime(2026, 11, 2, 9, tzinfo=UTC),
        datetime(2026, 11, 2, 10, tzinfo=UTC),
    )
    db.session.commit()
    [invoice_id] = invoicing.run(on=date(2026, 11, 3))
    reviews.issue(db.session.get(Invoice, invoice_id), None)
    return entry.id, invoice_id


def a_is_untouched(alpha):
    db.session.expire_all()
    with use_agency(alpha.agency.id):
        token = db.session.get(ApiToken, alpha.token_id)
        invitation = db.session.get(Invitation, alpha.invitation_id)
        assert token.revoked_at is None
        assert invitation.revoked_at is None
        profile = db.session.get(Secretary, alpha.profile.id)
        assert (profile.archived_at, profile.shift_status) == (None, "off")
        assert db.session.get(Client, alpha.client.id).archived_at is None
        assert db.session.get(Contact, alpha.contact_id).archived_at is None
        assert db.session.get(Plan, alpha.plan_id).archived_at is None
        assert db.session.get(Contract, alpha.contract.id).status == "active"
        assert db.session.get(Assignment, alpha.assignment.id).ended_at is None
        assert db.session.get(Absence, alpha.absence_id) is not None
        override = db.session.get(ShiftOverride, alpha.override_id)
        assert (override.day.isoformat(), override.spans) == ("2026-08-15", [["10:00", "14:00"]])
        rule = db.session.get(RecurringRule, alpha.rule_id)
        assert (rule.title, rule.active, rule.frequency) == ("Alpha weekly report", True, "weekly")

        assert db.session.get(SlaTarget, alpha.target_id).minutes == 3
        assert db.session.get(Holiday, alpha.holiday_id).name == "Alpha Day"
        assert db.session.get(PhoneNumber, alpha.number_id).client_id == alpha.client.id
        message = db.session.get(Message, alpha.message_id)
        assert (message.handled_at, message.read_at) == (None, None)
        assert db.session.get(Call, alpha.call_id).transfer_status is None
        item = db.session.get(WorkItem, alpha.item_id)
        assert (item.status, item.assignee_id, item.title) == ("queued", None, "Alpha task")
        assert db.session.scalars(select(User.email)).all()
        assert_mail_untouched(alpha.mail)
        assert db.session.get(Invoice, alpha.invoice_id).status == "open"
        assert db.session.get(TimeEntry, alpha.entry_id).raw_minutes == 60
        assert db.session.scalars(select(OverageApproval)).all() == []
        event = db.session.get(CalendarEvent, alpha.event_id)
        assert (event.title, event.sequence, event.cancelled_at) == ("Alpha event", 0, None)
        assert sorted(db.session.scalars(select(CalendarEvent.id)).all()) == sorted(
            [alpha.event_id, alpha.segment_event_id]
        )
        trip = db.session.get(Trip, alpha.trip_id)
        assert (trip.status, [s.id for s in trip.segments]) == ("planned", [alpha.segment_id])
        assert [d.id for d in trip.documents] == [alpha.document_id]
        proposal = db.session.get(ProposedSegment, alpha.proposal_id)
        assert (proposal.status, proposal.segment_id) == ("proposed", None)
        bill = db.session.get(Bill, alpha.bill_id)
        assert (bill.status, bill.paid_on, bill.dispute_reason) == ("received", None, None)
        assert db.session.scalars(select(BillRules)).all() == []
        receivable = db.session.get(Receivable, alpha.receivable_id)
        assert (receivable.status, receivable.paid_on) == ("open", None)
        assert db.session.scalars(select(Chase)).all() == []
        vault_entry = db.session.get(VaultEntry, alpha.vault_entry_id)
        assert (vault_entry.label, vault_entry.secret) == ("Alpha site", "alpha-secret-1")
        assert db.session.scalars(select(VaultReveal)).all() == []
        site = db.session.get(Website, alpha.website_id)
        assert (site.name, site.url, site.checklist) == (
            "Alpha shop", "https://shop.alpha.example", ["Alpha step"],
        )  # fmt: skip
        assert site.rule is not None and site.rule.frequency == "daily"
        update = db.session.get(SiteUpdate, alpha.site_update_id)
        assert (update.status, update.proof_url, len(update.files)) == ("requested", None, 1)
        campaign = db.session.get(Campaign, alpha.campaign_id)
        assert (campaign.status, campaign.subject) == ("awaiting_approval", "Alpha offer")
        assert campaign.image_name is None
        segment = db.session.get(Segment, alpha.contact_segment_id)
        assert (segment.name, segment.criteria["tags"]) == ("Alpha list", [])
        assert db.session.scalars(select(Recipient)).all() == []
        assert db.session.scalars(select(Suppression)).all() == []
        assert [c.given for c in db.session.scalars(select(Consent))] == [True]
        post = db.session.get(Publication, alpha.publication_id)
        assert (post.state, post.remote_id, post.title) == ("awaiting_approval", None, "Alpha post")
        segment_event = db.session.get(CalendarEvent, alpha.segment_event_id)
        assert (segment_event.cancelled_at, segment_event.sequence) == (None, 0)
        assert db.session.scalars(select(WorkItem).where(WorkItem.kind == "travel")).all() == []
        page = db.session.scalar(select(BookingPage))
        assert (page.address, page.enabled, len(page.types)) == (alpha.booking_address, True, 1)
        meeting = db.session.get(MeetingRequest, alpha.meeting_request_id)
        assert (meeting.status, meeting.event_id) == ("open", None)
        assert [i.answer for i in meeting.invitees] == ["invited"]
        rules = db.session.scalar(select(MeetingRules))
        assert (rules.daily_cap, rules.buffer_before_minutes) == (3, 10)
        feed = db.session.scalar(select(CalendarFeed))
        assert (feed.token, feed.first_fetched_at) == (alpha.feed_token, None)
    failed = FailedJobRegistry("bulk", connection=redis_connection())
    assert failed.get_job_ids() == [alpha.failed_job_id]
