"""Many rows into one table in one statement.

On PostgreSQL the rows travel as one JSON document and ``json_to_recordset`` turns it
back into typed rows (the values every row shares travel once, through
``json_to_record``): one parameter the driver passes through as it is (``json.dumps`` is
C; per-element array adaptation is not), one statement for the server to parse, plan
and run, however many rows. Through ``writers()`` the statements are sent without
waiting for each one to finish, on two connections in turns, so the caller works out the
next rows while the server writes these. Elsewhere it is an executemany.
"""

import gc
import itertools
import json
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum

from sqlalchemy import JSON, TypeDecorator, func, insert, select, text

from agency.kernel.database import db, on_postgres
from tenants import current_agency_id


def _plain(value):
    """What ``json.dumps`` cannot write itself, as text PostgreSQL reads back into the
    column's type."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} cannot go into a bulk insert")


def _json(value) -> str:
    """``value`` as compact JSON. Rows of plain values hold no cycles, so the encoder is
    spared keeping every list and dict it enters (a quarter of its time)."""
    return json.dumps(value, default=_plain, check_circular=False, separators=(",", ":"))


def _record(table, names, dialect) -> str:
    """The column list of ``json_to_record(set)`` for ``names`` of ``table``."""
    quote = dialect.identifier_preparer.quote
    columns = []
    for name in names:
        kind = table.c[name].type
        if isinstance(kind, TypeDecorator):
            kind = kind.impl_instance
        sql_type = "json" if isinstance(kind, JSON) else kind.compile(dialect=dialect)
        columns.append(f"{quote(name)} {sql_type}")
    return ", ".join(columns)


def _bound(table, rows: list[dict], dialect) -> list[dict]:
    """``rows`` with the values of custom column types as those types store them."""
    decorated = [
        (name, table.c[name].type)
        for name in rows[0]
        if isinstance(table.c[name].type, TypeDecorator)
    ]
    if not decorated:
        return rows
    return [
        row | {name: kind.process_bind_param(row[name], dialect) for name, kind in decorated}
        for row in rows
    ]


def _cursor():
    """A cursor on the driver connection of the session's transaction."""
    return db.session.connection().connection.driver_connection.cursor()


def insert_rows(model, rows: list[dict], same: dict | None = None, cursor=None) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table, each with the
    values in ``same`` too (sent once); on PostgreSQL through ``cursor`` (one of
    ``writers``), else the session's connection."""
    if not rows:
        return
    same = same or {}
    if not on_postgres():
        db.session.execute(insert(model), [row | same for row in rows])
        return
    dialect = db.engine.dialect
    quote = dialect.identifier_preparer.quote
    table = model.__table__
    names = list(rows[0])
    source = f"json_to_recordset(%(rows)s::json) AS r({_record(table, names, dialect)})"
    params = {"rows": _json(_bound(table, rows, dialect))}
    if same:
        source += (
            f" CROSS JOIN json_to_record(%(same)s::json) AS s({_record(table, same, dialect)})"
        )
        params["same"] = _json(_bound(table, [same], dialect)[0])
    statement = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in [*names, *same])}) "
        f"SELECT {', '.join(quote(name) for name in [*names, *same])} FROM {source}"
    )
    (cursor or _cursor()).execute(statement, params)


def new_ids(model, count: int) -> list[int]:
    """``count`` primary keys for rows about to be inserted, so that other rows can name
    them first. PostgreSQL draws them from the table's sequence; SQLite, which allows
    one writer at a time, continues from the highest one."""
    if count <= 0:
        return []
    table = model.__table__
    if on_postgres():
        cursor = _cursor()
        cursor.execute(
            # The sequence looked up once (materialized), not once for every key.
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq)"
            " SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            (table.name, count),
        )
        return [row[0] for row in cursor.fetchall()]
    highest = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(highest + 1, highest + 1 + count))


# This transaction's commit does not wait for the disk to have it.
_NO_WAIT = "set_config('synchronous_commit', 'off', true)"

# How long a second connection's write may wait for a lock before it fails: the session's
# own transaction could hold one it needs, and the two waiting on each other across
# connections is a deadlock the server cannot see.
WRITER_LOCK_TIMEOUT = "10s"


def _second_writer(agency_id: int | None):
    """A connection of the engine's pool in its own transaction, in the agency's tenancy,
    its commit not waiting for the disk (see ``writers``)."""
    connection = db.engine.raw_connection()
    try:
        connection.driver_connection.execute(
            f"SELECT set_config('app.agency_id', %s, true), {_NO_WAIT},"
            " set_config('lock_timeout', %s, true)",
            ("" if agency_id is None else str(agency_id), WRITER_LOCK_TIMEOUT),
        )
    except BaseException:
        connection.close()
        raise
    return connection


@contextmanager
def writers():
    """Cursors to take in turns for batches of ``insert_rows`` that stand on their own
    (a batch's rows name only rows of the same batch, or rows already committed).

    On PostgreSQL there are two: the session's connection and a second one from the pool,
    both in pipeline mode, so the server writes two batches at once, on two backends,
    while the caller works out the next; the block's end waits for them all and raises the
    first error. The second connection's batches are committed there, in a transaction of
    their own and without waiting for the disk (as ``commit_without_waiting``): a caller
    that fails later keeps them, whole, and a caller whose rows a crash may lose makes
    them again. Elsewhere every batch goes to the session's connection (``None``:
    ``insert_rows``' default)."""
    if not on_postgres():
        yield itertools.repeat(None)
        return
    session_connection = db.session.connection().connection.driver_connection
    second = _second_writer(current_agency_id())
    try:
        with ExitStack() as pipelines:
            cursors = []
            for connection in (session_connection, second.driver_connection):
                pipelines.enter_context(connection.pipeline())
                cursors.append(connection.cursor())
            yield itertools.cycle(cursors)
        second.commit()
    finally:
        second.close()  # back to the pool, rolled back unless committed


def commit_without_waiting() -> None:
    """Commit the session's transaction without waiting for the disk to have it (on
    PostgreSQL, ``synchronous_commit`` off for this transaction): for rows that the code
    making them makes again if a crash of the server loses them, moments after."""
    if on_postgres():
        db.session.execute(text(f"SELECT {_NO_WAIT}"))
    db.session.commit()


@contextmanager
def collection_paused():
    """Inside the block, or the function it decorates, Python's cycle collector does not
    run. Building many thousand short-lived rows would otherwise set off full
    collections, each walking every object the process holds (the app's models,
    metadata, translations): a tenth of a second or more each time. What the block
    allocates is still freed by reference counting as it goes; only cycles wait for the
    first collection after the block."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
