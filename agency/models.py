"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from agency.domains.accounts.models import ApiToken, Invitation, PlatformAdmin, User
from agency.domains.agenda.models import AgendaSettings
from agency.domains.billing.models import (
    BillingAccount,
    Expense,
    HoursAlert,
    Invoice,
    InvoiceLine,
    SeatSubscription,
    StripeCustomer,
    StripeEvent,
    TimeEntryEdit,
)
from agency.domains.calendar.models import (
    BookingPage,
    CalendarConnection,
    CalendarEvent,
    CalendarFeed,
    MeetingInvitee,
    MeetingRequest,
    MeetingRules,
)
from agency.domains.calls.models import Call, CallRules, Message, PhoneNumber, VoiceSettings
from agency.domains.clients.models import Assignment, Client, Contact, ContactNote
from agency.domains.contracts.models import Contract, ContractRevision, Plan
from agency.domains.hours.models import TimeEntry
from agency.domains.mail.models import (
    BouncedAddress,
    ClientMailbox,
    ClientMailRules,
    Dictation,
    Draft,
    EmailAttachment,
    InboundEmail,
    Letter,
    MailSettings,
    MailTemplate,
)
from agency.domains.notify.models import OutboundEmail
from agency.domains.paperwork.models import Bill, BillRules, Chase, Receivable
from agency.domains.promotions.models import (
    Campaign,
    Click,
    Consent,
    PromotionSettings,
    Recipient,
    Segment,
    Suppression,
)
from agency.domains.schedules.models import RecurringRule
from agency.domains.sla.models import Holiday, SlaTarget
from agency.domains.staff.models import Absence, Secretary, ShiftOverride
from agency.domains.travel.models import (
    ProposedSegment,
    TravelPreferences,
    TravelReveal,
    Trip,
    TripDocument,
    TripSegment,
)
from agency.domains.vault.models import VaultEntry, VaultPolicy, VaultReveal
from agency.domains.websites.models import Publication, SiteFile, SiteUpdate, Website
from agency.domains.work.models import WorkEvent, WorkItem
from tenants.models import Agency

__all__ = [
    "Click",
    "Segment",
    "PromotionSettings",
    "Campaign",
    "Consent",
    "Recipient",
    "Suppression",
    "Publication",
    "SiteFile",
    "SiteUpdate",
    "Website",
    "VaultEntry",
    "VaultReveal",
    "VaultPolicy",
    "ContactNote",
    "AgendaSettings",
    "BillingAccount",
    "HoursAlert",
    "Invoice",
    "InvoiceLine",
    "SeatSubscription",
    "StripeCustomer",
    "StripeEvent",
    "TimeEntryEdit",
    "Absence",
    "BouncedAddress",
    "ClientMailbox",
    "ClientMailRules",
    "Dictation",
    "Draft",
    "EmailAttachment",
    "Expense",
    "InboundEmail",
    "Letter",
    "MailSettings",
    "MailTemplate",
    "Assignment",
    "BookingPage",
    "CalendarConnection",
    "CalendarEvent",
    "CalendarFeed",
    "MeetingInvitee",
    "MeetingRequest",
    "MeetingRules",
    "Bill",
    "BillRules",
    "Chase",
    "Receivable",
    "ProposedSegment",
    "TravelPreferences",
    "TravelReveal",
    "Trip",
    "TripDocument",
    "TripSegment",
    "Call",
    "CallRules",
    "Message",
    "PhoneNumber",
    "VoiceSettings",
    "Contact",
    "ContractRevision",
    "Plan",
    "Agency",
    "ApiToken",
    "Client",
    "Holiday",
    "Contract",
    "Invitation",
    "OutboundEmail",
    "PlatformAdmin",
    "RecurringRule",
    "Secretary",
    "ShiftOverride",
    "SlaTarget",
    "TimeEntry",
    "User",
    "WorkEvent",
    "WorkItem",
]
