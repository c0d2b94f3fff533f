"""The demo agency that `make run` loads: a manager, three secretaries, three clients."""

from datetime import date, timedelta

from sqlalchemy import select

from agency import demo_errands
from agency.domains.accounts.models import ClientAccess, Role, User
from agency.domains.accounts.passwords import hash_password
from agency.domains.billing import invoicing
from agency.domains.billing.models import BillingAccount
from agency.domains.calls.models import Call, CallRules, Message, PhoneNumber
from agency.domains.clients.models import Assignment, AssignmentRole, Client
from agency.domains.contracts.models import Contract, Plan
from agency.domains.hours.services import record_time
from agency.domains.sla.models import Holiday, SlaTarget
from agency.domains.staff.models import Secretary
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import directory, lifecycle, set_current_agency

DEMO_SLUG = "aurora"
DEMO_PASSWORD = "demo-password"
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}

SECRETARIES = [
    {
        "name": "Ana Costa",
        "email": "ana@aurora.example",
        "timezone": "Europe/Lisbon",
        "languages": [{"code": "pt", "level": "native"}, {"code": "en", "level": "C1"}],
        "skills": {"typing_wpm": 85, "customer_service": 5, "bookkeeping": 3},
        "specialities": [{"code": "medical", "training": "Medical terminology course"}],
        "schedule": WEEKDAYS_9_TO_5,
    },
    {
        "name": "Jonas Becker",
        "email": "jonas@aurora.example",
        "timezone": "Europe/Berlin",
        "languages": [
            {"code": "de", "level": "native"},
            {"code": "en", "level": "C2"},
            {"code": "nl", "level": "B2"},
        ],
        "skills": {"typing_wpm": 70, "customer_service": 4, "event_planning": 4},
        "specialities": [{"code": "legal", "training": "Legal secretary diploma"}],
        "schedule": WEEKDAYS_9_TO_5,
    },
    {
        "name": "Siti Rahma",
        "email": "siti@aurora.example",
        "timezone": "Asia/Jakarta",
        "languages": [{"code": "id", "level": "native"}, {"code": "en", "level": "B2"}],
        "skills": {"typing_wpm": 90, "website_editing": 5, "travel_planning": 4},
        "specialities": [{"code": "real_estate", "training": ""}],
        "schedule": WEEKDAYS_9_TO_5,
    },
]

CLIENTS = [
    {
        "name": "Dr. Silva Clinic",
        "email": "silva@clinic.example",
        "phone": "+351213456789",
        "timezone": "Europe/Lisbon",
        "languages": ["pt", "en"],
        "industry": "medical",
        "greeting": "Bom dia, consultório da Dra. Silva.",
        "instructions": "Never book patients on Fridays. Urgent: any call from the hospital.",
        "plan": ("Professional", 20 * 60, 3500, 4200, 6),
        "secretary": 0,
        # Who signs in to the portal: the doctor, and a receptionist who sees the day's
        # work but not billing.
        "people": [
            ("silva@clinic.example", "Dr. Helena Silva", ClientAccess.full),
            ("reception@clinic.example", "Rita Costa", ClientAccess.limited),
        ],
    },
    {
        "name": "Keller & Partner Rechtsanwälte",
        "email": "office@keller.example",
        "phone": "+493012345678",
        "timezone": "Europe/Berlin",
        "languages": ["de", "en"],
        "industry": "legal",
        "greeting": "Kanzlei Keller & Partner, guten Tag.",
        "instructions": "Court dates go straight to Mr Keller's mobile. Press: take a message.",
        "plan": ("Starter", 10 * 60, 3900, 4900, 15),
        "secretary": 1,
        "people": [],
    },
    {
        "name": "Bali Villas Realty",
        "email": "hello@balivillas.example",
        "phone": "+62361234567",
        "timezone": "Asia/Makassar",
        "languages": ["id", "en"],
        "industry": "real_estate",
        "greeting": "Good morning, Bali Villas Realty.",
        "instructions": "Update the listings page every Monday. Viewings need 24 h notice.",
        "plan": ("Starter", 10 * 60, 2500, 3000, 15),
        "secretary": 2,
        "people": [],
    },
]


# (kind or None for every kind, priority, minutes, business hours only)
DEMO_SLA_TARGETS = [
    ("call", "urgent", 5, False),
    ("message", "urgent", 5, False),
    (None, "high", 30, False),
    ("email", "normal", 240, True),
]
# The plans a new client chooses from on the demo agency's signup page, and the terms
# they accept there (no card is asked for until the agency sets up its Stripe account).
DEMO_PLANS = [
    ("Starter", 10 * 60, 3900, 4900, 15, "Calls, email and diary for a small practice."),
    ("Professional", 20 * 60, 3500, 4200, 6, "Everything, with more hours and finer rounding."),
]
DEMO_TERMS = (
    "Aurora Secretarial answers your calls and mail in your name during your business "
    "hours, within the hours of your plan.\n\n"
    "Hours beyond the plan are charged at the plan's hourly rate for extra hours.\n\n"
    "Invoices are sent monthly and are due within 14 days. Either side may end the "
    "contract with 30 days' notice."
)
DEMO_HOLIDAYS = [(date(2026, 6, 10), "Portugal Day"), (date(2026, 12, 25), "Christmas Day")]


def demo_line(client: Client, index: int) -> list:
    """A pool number and call rules for a demo client (numbers from a fictional range)."""

    return [
        PhoneNumber(number=f"+4420794601{index:02d}", client_id=client.id, label=client.name),
        CallRules(client_id=client.id, urgent_keywords=["urgent", "emergency"]),
    ]


def load() -> bool:
    """Create the demo agency; False when it is already there."""
    if directory.agency_of_slug(DEMO_SLUG) is not None:
        return False
    lifecycle.create(
        name="Aurora Secretarial",
        slug=DEMO_SLUG,
        timezone="Europe/Lisbon",
        locale="en",
        currency="EUR",
    )
    password_hash = hash_password(DEMO_PASSWORD)
    db.session.add(
        User(
            email="manager@aurora.example",
            name="Marta Lopes",
            role=Role.owner,
            password_hash=password_hash,
        )
    )
    secretaries = []
    for values in SECRETARIES:
        user = User(
            email=values["email"],
            name=values["name"],
            role=Role.secretary,
            password_hash=password_hash,
        )
        db.session.add(user)
        db.session.flush()
        profile = Secretary(user_id=user.id, shift_status="on_shift", **values)
        db.session.add(profile)
        secretaries.append(profile)
    db.session.flush()
    for values in CLIENTS:
        plan_name, minutes, rate, overage, rounding = values["plan"]
        client = Client(
            name=values["name"],
            email=values["email"],
            phone=values["phone"],
            timezone=values["timezone"],
            languages=values["languages"],
            industry=values["industry"],
            greeting=values["greeting"],
            instructions=values["instructions"],
            business_hours=WEEKDAYS_9_TO_5,
            required_specialities=[values["industry"]],
        )
        db.session.add(client)
        db.session.flush()
        db.session.add(
            Assignment(
                client_id=client.id,
                secretary_id=secretaries[values["secretary"]].id,
                role=AssignmentRole.primary,
            )
        )
        db.session.add(
            Contract(
                client_id=client.id,
                plan_name=plan_name,
                included_minutes=minutes,
                hourly_rate_minor=rate,
                overage_rate_minor=overage,
                currency="EUR",
                rounding_minutes=rounding,
                minimum_minutes=rounding,
                starts_on=date(2026, 1, 1),
                status="active",
            )
        )
        db.session.add_all(demo_line(client, CLIENTS.index(values)))
        for email, name, access in values["people"]:
            db.session.add(
                User(
                    email=email,
                    name=name,
                    role=Role.client,
                    client_id=client.id,
                    client_access=access,
                    password_hash=password_hash,
                )
            )
    for kind, priority, minutes, business in DEMO_SLA_TARGETS:
        db.session.add(
            SlaTarget(kind=kind, priority=priority, minutes=minutes, business_hours_only=business)
        )
    for day, name in DEMO_HOLIDAYS:
        db.session.add(Holiday(day=day, name=name))
    for name, minutes, rate, overage, rounding, description in DEMO_PLANS:
        db.session.add(
            Plan(
                name=name,
                description=description,
                included_minutes=minutes,
                hourly_rate_minor=rate,
                overage_rate_minor=overage,
                currency="EUR",
                rounding_minutes=rounding,
                minimum_minutes=rounding,
            )
        )
    db.session.add(
        BillingAccount(
            tax_basis_points=2300,
            terms_text=DEMO_TERMS,
            terms_version=1,
            terms_updated_at=clock.now(),
        )
    )
    db.session.commit()
    _activity(secretaries)
    set_current_agency(None)
    return True


# A working week's traces, so that every page has something to show: work in each state,
# calls and messages, an email conversation, time on the clock and last month's invoices.
DEMO_WORK = [
    (0, "call", "urgent", "Call back the hospital about Monday's schedule", "assigned"),
    (0, "email", "normal", "Email from Pat Moreira: appointment request", "queued"),
    (0, "letter", "normal", "Letter to the insurer about claim 2231", "in_progress"),
    (1, "meeting", "high", "Book the client meeting in Munich", "waiting"),
    (1, "paperwork", "normal", "File the court fee receipts", "done"),
    (2, "website_update", "normal", "Update the listings page", "assigned"),
    (2, "promotion", "low", "Send the villa newsletter", "queued"),
]
DEMO_CALLS = [
    (0, "+351912000001", "completed", 125),
    (1, "+491701234567", "no-answer", None),
    (2, "+6281234567890", "completed", 64),
]


def _activity(secretaries) -> None:
    clients = db.session.scalars(select(Client).order_by(Client.id)).all()
    now = clock.now()
    for client_index, kind, priority, title, status in DEMO_WORK:
        item, _new = create_item(
            {"client_id": clients[client_index].id, "kind": kind, "priority": priority,
             "title": title, "source": "console"}
        )  # fmt: skip
        row = db.session.get(WorkItem, item.id)
        if status != "queued":
            row.assignee_id = secretaries[client_index].id
            row.assigned_at = now
        row.status = status
        if status == "done":
            row.closed_at, row.outcome = now, "Filed with the court registry."
    for client_index, number, status, seconds in DEMO_CALLS:
        db.session.add(
            Call(
                call_sid=f"CAdemo{client_index:04d}",
                client_id=clients[client_index].id,
                from_number=number,
                to_number=f"+4420794601{client_index:02d}",
                action="ring_secretaries",
                rule="secretaries",
                status=status,
                duration_seconds=seconds,
                started_at=now - timedelta(hours=client_index + 1),
            )
        )
    db.session.add(
        Message(
            client_id=clients[0].id,
            caller_name="Dr. Mendes",
            company="Hospital de Santa Maria",
            number="+351217805000",
            reason="Please confirm the Monday schedule before noon.",
            urgency="high",
            callback_wanted=True,
        )
    )
    demo_errands.load(clients[0], now)
    # Last month's hours, invoiced in a draft to review, and some of this month's.
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(hour=10, minute=0)
    for client_index, client in enumerate(clients):
        start = last_month.replace(day=10 + client_index)
        record_time(client.id, start, start + timedelta(minutes=95), secretaries[client_index].id)
        record_time(client.id, now - timedelta(hours=3), now - timedelta(hours=2, minutes=15),
                    secretaries[client_index].id)  # fmt: skip
    db.session.commit()
    invoicing.run_by_hand()


def logins() -> list[dict]:
    rows = [{"surface": "console", "email": "manager@aurora.example"}]
    rows += [{"surface": "desk", "email": s["email"]} for s in SECRETARIES]
    rows += [
        {"surface": "portal" if access == ClientAccess.full else "portal (limited access)",
         "email": email}
        for c in CLIENTS
        for email, _name, access in c["people"]
    ]  # fmt: skip
    return [{**row, "password": DEMO_PASSWORD} for row in rows]
