"""Imports every domain's models so the metadata (and Alembic) sees all tables."""

from agency.accounts.models import ApiToken, Invitation, PlatformAdmin, User
from agency.clients.models import Client
from agency.contracts.models import Contract
from agency.notify.models import OutboundEmail
from agency.staff.models import Secretary
from tenants.models import Agency

__all__ = [
    "Agency",
    "ApiToken",
    "Client",
    "Contract",
    "Invitation",
    "OutboundEmail",
    "PlatformAdmin",
    "Secretary",
    "User",
]
