"""Many rows into one table in one statement.

On PostgreSQL each column travels as one array parameter and ``unnest`` turns the arrays
back into rows: one statement for the server to parse, plan and run, however many rows,
and a statement text SQLAlchemy compiles once. Elsewhere it is an executemany.
"""

import json

from sqlalchemy import JSON, TypeDecorator, insert, text

from agency.extensions import db, on_postgres


def _column_values(column, rows: list[dict], dialect) -> tuple[list, str]:
    """One column of ``rows`` as a Python list, and the SQL type its array is cast to."""
    kind = column.type
    values = [row[column.name] for row in rows]
    if isinstance(kind, TypeDecorator):
        values = [kind.process_bind_param(v, dialect) for v in values]
        kind = kind.impl_instance
    if isinstance(kind, JSON):
        return [None if v is None else json.dumps(v) for v in values], "json"
    return values, kind.compile(dialect=dialect)


def insert_rows(model, rows: list[dict], returning: tuple = ()) -> list:
    """Insert ``rows`` (dicts with the same keys) into ``model``'s table; the
    ``returning`` columns of each new row (in no particular order), if any are asked for."""
    if not rows:
        return []
    if not on_postgres():
        if returning:
            return db.session.execute(insert(model).returning(*returning), rows).all()
        db.session.execute(insert(model), rows)
        return []
    dialect = db.engine.dialect
    table = model.__table__
    names = list(rows[0])
    params, casts = {}, []
    for n, name in enumerate(names):
        values, sql_type = _column_values(table.c[name], rows, dialect)
        params[f"p{n}"] = values
        if sql_type == "json":
            casts.append(f"CAST(CAST(:p{n} AS text[]) AS json[])")
        else:
            casts.append(f"CAST(:p{n} AS {sql_type}[])")
    quoted = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    statement = (
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({quoted}) "
        f"SELECT * FROM unnest({', '.join(casts)})"
    )
    if returning:
        statement += " RETURNING " + ", ".join(
            dialect.identifier_preparer.quote(column.name) for column in returning
        )
        return db.session.execute(text(statement), params).all()
    db.session.execute(text(statement), params)
    return []
