"""Create, update and archive a record through its schema: the shape every domain shares."""

from marshmallow import Schema
from sqlalchemy import func, or_, select

from agency.kernel import clock, validation
from agency.kernel.database import db


def values_for(schema: Schema, data: dict, partial: bool = False) -> dict:
    """Validated values, or the product's ValidationError; nothing is written either way."""
    schema.partial = partial
    return validation.load(schema, data)


def apply(obj, values: dict):
    for key, value in values.items():
        setattr(obj, key, value)
    return obj


def search(model, query: str | None, include_archived: bool, *columns) -> list:
    """Rows of ``model`` whose ``columns`` contain ``query`` (any case), live ones by default."""
    statement = select(model).order_by(model.name)
    if not include_archived:
        statement = statement.where(model.archived_at.is_(None))
    if query and query.strip():
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(or_(*(func.lower(c).like(pattern) for c in columns)))
    return db.session.scalars(statement).all()


def archive(obj):
    if obj.archived_at is None:
        obj.archived_at = clock.now()
    db.session.commit()
    return obj
