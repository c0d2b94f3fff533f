"""Making a work item: one service for every source (API, desk, mail, calls, schedules),
idempotent by the source's key, with its SLA target and a routing request. On PostgreSQL
the item and its "created" event are one statement, built once per set of columns.
"""

from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, func, insert, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from agency.domains.clients.models import Contact
from agency.domains.sla import services as sla
from agency.domains.work import live
from agency.domains.work.events import aware, checked_event
from agency.domains.work.models import PRIORITY_ORDER, Status, WorkEvent, WorkItem
from agency.domains.work.routing import request_routing
from agency.domains.work.schemas import (
    WorkItemSchema,
)
from agency.domains.work.timeline import NEW_EVENT
from agency.kernel import clock
from agency.kernel.database import db, on_postgres
from agency.kernel.errors import ValidationError
from agency.kernel.records import values_for
from tenants import scoping

_BY_SOURCE_KEY = select(WorkItem).where(
    WorkItem.source == bindparam("source"), WorkItem.source_key == bindparam("source_key")
)


def _existing(source: str, source_key: str | None) -> WorkItem | None:
    if source_key is None:
        return None
    return db.session.scalar(_BY_SOURCE_KEY, {"source": source, "source_key": source_key})


def _with_defaults(table, row: dict) -> dict:
    """``row`` with the Python-side defaults of the columns it does not name: SQLAlchemy
    works them out itself only for a statement's outermost INSERT."""
    filled = dict(row)
    for column in table.c:
        default = column.default
        if column.key in filled or default is None:
            continue
        filled[column.key] = default.arg(None) if default.is_callable else default.arg
    return filled


@lru_cache(maxsize=64)
def _insert_created_statement(names: tuple[str, ...]):
    """The item's INSERT … RETURNING (values for ``names``) feeding the INSERT of its
    "created" event: one statement, both common table expressions. Built once for each
    set of names, so SQLAlchemy compiles it once."""
    table = WorkItem.__table__
    new = (
        insert(table)
        .values({name: bindparam(name, type_=table.c[name].type) for name in names})
        .returning(*table.c)
        .cte("new_item")
    )
    event = (
        insert(WorkEvent.__table__)
        .from_select(
            ["item_id", "at", "actor_user_id", "action", "detail", "agency_id"],
            select(
                new.c.id,
                new.c.created_at,
                bindparam("actor_user_id", type_=Integer),
                literal("created"),
                func.json_build_object("source", new.c.source),
                new.c.agency_id,
            ),
        )
        .cte("new_event")
    )
    # It reads back only the row it has just written, in the current agency (row-level
    # security fences it too), so the ORM's tenant criteria are not added: compiled for
    # the first time by several threads at once, they were seen to land on the table
    # instead of the statement's own row, and the read found every item of the agency.
    return (
        select(aliased(WorkItem, new))
        .add_cte(event)
        .execution_options(**{scoping.ALL_TENANTS: True})
    )


def _insert_created(row: dict, actor_user_id: int | None) -> WorkItem:
    """Insert the item and its "created" event, without the unit of work's bookkeeping:
    on PostgreSQL in one statement, elsewhere in two."""
    if not on_postgres():  # the same two rows, the event at the item's creation time
        item = db.session.scalars(insert(WorkItem).returning(WorkItem), [row]).one()
        db.session.execute(
            NEW_EVENT,
            {
                "item_id": item.id,
                "at": item.created_at,
                "actor_user_id": actor_user_id,
                "action": "created",
                "detail": {"source": item.source},
            },
        )
        return item
    values = _with_defaults(WorkItem.__table__, row)
    statement = _insert_created_statement(tuple(sorted(values)))
    return db.session.scalars(statement, {**values, "actor_user_id": actor_user_id}).one()


def _due(moment, zone: str, now):
    """A due time given by hand, in UTC; it must lie ahead."""
    if moment is None:
        return None
    due = aware(moment, zone, "due_at")
    if due <= now:
        raise ValidationError.on("due_at", _("The due time has passed: choose a later one."))
    return due


# Read-only once built: every creation loads its input with this one (building a schema
# costs several times what loading with it does).
_NEW_ITEM = WorkItemSchema()


def create_item(
    data: dict, actor_user_id: int | None = None, commit: bool = True
) -> tuple[WorkItem, bool]:
    """The item, and whether it is new: the same source key twice makes one item. With
    ``commit`` False it is left to the caller's transaction."""
    values = values_for(_NEW_ITEM, data)
    found = _existing(values["source"], values["source_key"])
    if found is not None:
        return found, False
    client, target = sla.client_and_target(values["client_id"], values["kind"], values["priority"])
    try:
        item = _create(values, client, target, actor_user_id)
    except IntegrityError:  # the same source key, created a moment ago elsewhere
        if not commit:
            raise  # the caller's transaction is not ours to roll back
        db.session.rollback()
        return _existing(values["source"], values["source_key"]), False
    if commit:
        db.session.commit()
    return item, True


class NewItems:
    """Many items made by a job whose sources are new (the messages it reads), each in
    the caller's transaction: each client's SLA terms read once for as long as the job
    keeps this, and no look-up of the source key first (its unique constraint still
    holds)."""

    def __init__(self):
        self._targets = {}

    def terms(self, client_id: int, kind: str, priority: str):
        """The client (as ``sla.client_and_target`` reads it) and the SLA target of their
        items of this kind and priority: read once per job."""
        key = (client_id, kind, priority)
        if key not in self._targets:
            self._targets[key] = sla.client_and_target(*key)
        return self._targets[key]

    def create(self, data: dict) -> WorkItem:
        values = values_for(_NEW_ITEM, data)
        terms = self.terms(values["client_id"], values["kind"], values["priority"])
        return _create(values, *terms, None)


def _create(values: dict, client, target, actor_user_id: int | None) -> WorkItem:
    """Insert the item of loaded ``values`` for ``client`` (as ``client_and_target``
    reads it) with its SLA due time; routing and the live desks hear of it after the
    commit."""
    if client is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    if values.get("contact_id") is not None:
        contact = db.session.get(Contact, values["contact_id"])
        if contact is None or contact.client_id != client.id:
            raise ValidationError.on("contact_id", _("Choose one of this client's contacts."))
    now = clock.now()
    due = _due(values.pop("due_at", None), client.timezone, now)
    event = checked_event(values["kind"], client.timezone, {}, values)
    values.update(event)
    if event.get("starts_at") is not None:
        values["event_updated_at"] = now
    row = {
        **values,
        "priority_rank": PRIORITY_ORDER[values["priority"]],
        "status": Status.queued.value,
        "sla_due_at": due or sla.due_at(client, values["kind"], values["priority"], now, target),
        "created_at": now,
    }
    item = _insert_created(row, actor_user_id)
    request_routing(item)  # one job routes every new item of the agency that waits
    live.touch(row["client_id"])
    return item
