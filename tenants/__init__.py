"""Tenancy: the agency is the tenant.

The current tenant is kept in one place (``tenants.context``); every ORM query on a
model that inherits ``TenantMixin`` is filtered on it (``tenants.scoping``), and on
PostgreSQL row-level security is the second fence (``tenants.rls``).
"""

from tenants.context import (
    NoTenant,
    current_agency_id,
    require_agency_id,
    set_current_agency,
    use_agency,
)
from tenants.models import Agency, AgencyStatus
from tenants.scoping import TenantMixin, all_tenant_models

__all__ = [
    "Agency",
    "AgencyStatus",
    "NoTenant",
    "TenantMixin",
    "all_tenant_models",
    "current_agency_id",
    "require_agency_id",
    "set_current_agency",
    "use_agency",
]
