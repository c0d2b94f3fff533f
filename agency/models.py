"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from agency.accounts.models import ApiToken, Invitation, PlatformAdmin, User
from agency.billing.models import (
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
from agency.calendar.models import CalendarFeed
from agency.calls.models import Call, CallRules, Message, PhoneNumber, VoiceSettings
from agency.clients.models import Assignment, Client, Contact
from agency.contracts.models import Contract, ContractRevision, Plan
from agency.hours.models import TimeEntry
from agency.mail.models import (
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
from agency.notify.models import OutboundEmail
from agency.schedules.models import RecurringRule
from agency.sla.models import Holiday, SlaTarget
from agency.staff.models import Absence, Secretary, ShiftOverride
from agency.work.models import WorkEvent, WorkItem
from tenants.models import Agency

__all__ = [
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
    "CalendarFeed",
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
