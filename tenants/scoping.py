"""Automatic tenant scoping of every ORM statement on tenant-owned models.

Every SELECT, UPDATE and DELETE issued through the ORM on a model that inherits
``TenantMixin`` gets ``agency_id = <current tenant>`` added; with no tenant set it
raises instead of returning every agency's rows. New rows take the current tenant.
An explicit ``execution_options(all_tenants=True)`` opts out: ``tenants/``, and the work
item's insert that reads back only the row it wrote (``work.creation``).
"""

from typing import ClassVar

from sqlalchemy import ForeignKey, Integer, event
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from tenants.context import NoTenant, current_agency_id, require_agency_id

ALL_TENANTS = "all_tenants"


class TenantMixin:
    """Marks a model as owned by one agency.

    A model whose rows only exist under a parent row of the same agency (an invoice's
    lines, a work item's events) sets ``agency_from_parent``: its ``agency_id`` then has
    no key to agencies and no index of its own. The parent's key removes the rows with
    the agency, reads reach them through the parent, and row-level security keeps every
    write in the current agency; the key would only cost a check per row written."""

    agency_from_parent: ClassVar[bool] = False

    @declared_attr
    def agency_id(cls) -> Mapped[int]:  # noqa: N805
        if cls.agency_from_parent:
            return mapped_column(Integer, default=require_agency_id)
        return mapped_column(
            ForeignKey("agencies.id", ondelete="CASCADE"),
            index=True,
            default=require_agency_id,
        )


def all_tenant_models(registry) -> list[type]:
    """Every mapped class that is tenant-owned, in table-name order."""
    classes = [m.class_ for m in registry.mappers if issubclass(m.class_, TenantMixin)]
    return sorted(classes, key=lambda cls: cls.__tablename__)


def _tenant_table_names() -> set[str]:
    names, pending = set(), list(TenantMixin.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if getattr(cls, "__tablename__", None):
            names.add(cls.__tablename__)
    return names


def tenant_table_names() -> set[str]:
    """The tables of every tenant-owned model."""
    return _tenant_table_names()


def _touches_tenant_model(state) -> bool:
    """A tenant model among the statement's entities, or a tenant table in its FROMs
    (``select(func.count()).select_from(Model)`` names no entity)."""
    if any(issubclass(m.class_, TenantMixin) for m in state.all_mappers):
        return True
    tenant_tables = _tenant_table_names()
    return any(
        getattr(table, "name", None) in tenant_tables
        for table in find_tables(state.statement, include_crud=True)
    )


def _scope_statement(state) -> None:
    if state.is_column_load or state.execution_options.get(ALL_TENANTS, False):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if not _touches_tenant_model(state):
        return
    agency_id = current_agency_id()
    if agency_id is None:
        raise NoTenant("a tenant-owned table was queried with no agency set")
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantMixin,
            lambda cls: cls.agency_id == agency_id,
            include_aliases=True,
        )
    )


def _check_new_rows(session: Session, flush_context, instances) -> None:
    agency_id = current_agency_id()
    for obj in session.new:
        if not isinstance(obj, TenantMixin):
            continue
        if agency_id is None and obj.agency_id is None:
            raise NoTenant(f"a new {type(obj).__name__} has no agency")
        if obj.agency_id is None:
            obj.agency_id = agency_id
        elif agency_id is not None and obj.agency_id != agency_id:
            raise NoTenant(f"a new {type(obj).__name__} belongs to another agency")


def install(session_class) -> None:
    """Hook the scoping into a Session class (called once by create_app)."""
    if event.contains(session_class, "do_orm_execute", _scope_statement):
        return
    event.listen(session_class, "do_orm_execute", _scope_statement)
    event.listen(session_class, "before_flush", _check_new_rows)
