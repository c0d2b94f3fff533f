"""Create, update and archive a record through its schema: the shape every domain shares."""

from marshmallow import Schema

from agency import clock, validation
from agency.extensions import db


def values_for(schema: Schema, data: dict, partial: bool = False) -> dict:
    """Validated values, or the product's ValidationError; nothing is written either way."""
    schema.partial = partial
    return validation.load(schema, data)


def apply(obj, values: dict):
    for key, value in values.items():
        setattr(obj, key, value)
    return obj


def archive(obj):
    if obj.archived_at is None:
        obj.archived_at = clock.now()
    db.session.commit()
    return obj
