"""The demo client's errands, so those pages have something to show: a trip abroad, bills
to approve and pay, a website with a change asked for, and a campaign to approve."""

from datetime import timedelta

from sqlalchemy import select

from agency.domains.accounts.models import Role, User
from agency.domains.clients.models import Client, Contact
from agency.domains.paperwork import bills
from agency.domains.promotions import campaigns, consent
from agency.domains.travel import trips
from agency.domains.websites import sites
from agency.domains.websites import updates as site_updates
from agency.kernel import clock
from agency.kernel.database import db


def load(client: Client, now) -> None:
    _trip(client, now)
    _bills(client, now)
    _website(client)
    _campaign(client)


def _trip(client: Client, now) -> None:
    """A congress abroad in a fortnight: flights both ways and the hotel between."""
    out = (now + timedelta(days=14)).date()
    back = out + timedelta(days=3)
    trip = trips.create_trip(client, {"title": "Medical congress in Munich",
                                      "travellers": ["Dr. Rita Silva"]})  # fmt: skip
    for segment in (
        {"kind": "flight", "from": "LIS", "to": "MUC", "number": "LH 1793",
         "carrier": "Lufthansa", "departs": f"{out}T06:55", "arrives": f"{out}T11:05",
         "seat": "4C", "reference": "K9TQ2M"},
        {"kind": "hotel", "name": "Hotel Bayerischer Hof", "address": "Promenadepl. 2-6, Munich",
         "check_in": out.isoformat(), "check_out": back.isoformat(),
         "from_zone": "Europe/Berlin", "reference": "BH-20417"},
        {"kind": "flight", "from": "MUC", "to": "LIS", "number": "LH 1792",
         "carrier": "Lufthansa", "departs": f"{back}T17:40", "arrives": f"{back}T20:05",
         "seat": "4C", "reference": "K9TQ2M"},
    ):  # fmt: skip
        trips.add_segment(trip, segment)


def _bills(client: Client, now) -> None:
    """A bill to approve, one paid, and one past its due date."""
    today = now.date()
    for supplier, amount, due_in in (
        ("EDP Comercial", "84.20", 9), ("Vodafone Portugal", "41.90", -20),
        ("Medical Supplies Lda", "312.00", -3),
    ):  # fmt: skip
        due = (today + timedelta(days=due_in)).isoformat()
        bill = bills.create(
            client, {"supplier": supplier, "amount": amount, "currency": "EUR", "due_on": due}
        )
        if due_in == -20:
            bills.approve(bill)
            bills.pay(bill, {"on": due})


def _website(client: Client) -> None:
    """The clinic's WordPress site, updated every Monday, with a change asked for."""
    site = sites.create(client, {
        "name": "Clinic website", "url": "https://clinica-silva.example", "platform": "wordpress",
        "checklist": ["Check the contact form", "Update the opening hours"],
        "approve_before_publishing": True,
    })  # fmt: skip
    sites.set_schedule(site, {"frequency": "weekly", "weekdays": ["mon"], "time_of_day": "09:00"})
    site_updates.request_update(
        client, site, {"text": "Please add the new flu vaccine hours: Tuesdays 14:00-17:00."},
        [], None, "portal",
    )  # fmt: skip


def _campaign(client: Client) -> None:
    """Patients who agreed to the clinic's news, and a campaign for the client to approve."""
    for name, email, method, source in (
        ("Marta Costa", "marta.costa@patients.example", "in_person", "Reception desk"),
        ("João Pires", "joao.pires@patients.example", "import", "Newsletter sign-up sheet 2026"),
        ("Inês Rocha", "ines.rocha@patients.example", "signup_form", "Clinic website"),
    ):
        contact = Contact(client_id=client.id, name=name, email=email, kind="customer")
        db.session.add(contact)
        db.session.flush()
        consent.record(contact, {"given": True, "method": method, "source": source,
                                 "wording": "Send me the clinic's news and offers"})  # fmt: skip
    writer = db.session.scalar(
        select(User).where(User.role.in_([Role.owner, Role.manager])).order_by(User.id).limit(1)
    )
    made = campaigns.create(client, {
        "subject": "{first_name}, flu vaccines are here",
        "body": "Dear {name},\n\nFlu vaccines are available on Tuesdays from 14:00 to 17:00."
                "\n\n{client_name}",
        "send_at": (clock.now() + timedelta(days=2)).isoformat(),
    }, writer)  # fmt: skip
    campaigns.submit(made)
