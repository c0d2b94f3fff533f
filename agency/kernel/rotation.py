"""Secrets at rest moved onto the newest key of the ring (ENCRYPTION_KEYS, newest
first): every encrypted column of every table, agency by agency, a row at a time. The
application keeps running meanwhile: the ring still reads the older keys, so a row not
yet rotated is read as before."""

from cryptography.fernet import InvalidToken
from sqlalchemy import Text, cast, literal, select

from agency.kernel.columns import EncryptedText
from agency.kernel.database import db
from agency.kernel.secrets import fernet, newest
from tenants.scoping import tenant_table_names


def encrypted_columns() -> list:
    """(table, column) of every encrypted column the models declare."""
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText)
    ]


def rotate_visible(tenant_owned: bool) -> int:
    """Rotate the encrypted values of the tenant-owned tables the current agency sees
    (``tenant_owned``), or of the tables no agency owns; how many changed."""
    ring, first, changed = fernet(), newest(), 0
    # The agencies' own rows are seen agency by agency too (row-level security).
    owned = tenant_table_names() | {"agencies"}
    for table, column in encrypted_columns():
        if (table.name in owned) != tenant_owned:
            continue
        stored = db.session.execute(
            select(table.c.id, cast(column, Text)).where(column.is_not(None))
        ).all()
        for row_id, token in stored:
            try:
                first.decrypt(token.encode())
                continue  # on the newest key already
            except InvalidToken:
                pass
            try:
                rotated = ring.rotate(token.encode()).decode()
            except InvalidToken as exc:  # no key of the ring reads it: stop, change nothing
                db.session.rollback()
                raise RuntimeError(
                    f"{table.name}.{column.name} #{row_id} cannot be read with ENCRYPTION_KEYS"
                ) from exc
            db.session.execute(
                table.update()
                .where(table.c.id == row_id)
                .values({column.name: literal(rotated, Text)})
            )
            changed += 1
        db.session.commit()
    return changed
