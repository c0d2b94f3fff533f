"""billable minutes kept per client and day as time is entered: on PostgreSQL, triggers
on time_entries keep time_entry_days (a client's billable minutes for each UTC day), so
that closing a period reads a row per client and day instead of every entry; and an
index on an agency's entries by start, for the hours at a period's edges

Revision ID: 0065_entry_days
Revises: 0064_publication_source
Create Date: 2026-12-08 01:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

from tenants import rls


# revision identifiers, used by Alembic.
revision = "0065_entry_days"
down_revision = "0064_publication_source"
branch_labels = None
depends_on = None

# Each statement on time_entries adds what it inserted and takes away what it deleted
# (an update does both), summed per agency, client and day first, in the order of the
# key so that two statements lock the rows they share in the same order. A day that
# comes to nothing is removed.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION time_entry_days_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO time_entry_days AS d (agency_id, day, client_id, minutes)
        SELECT agency_id, (started_at AT TIME ZONE 'UTC')::date, client_id,
               sum(billable_minutes)
        FROM added WHERE billable
        GROUP BY 1, 2, 3 HAVING sum(billable_minutes) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (agency_id, day, client_id)
        DO UPDATE SET minutes = d.minutes + excluded.minutes;
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO time_entry_days AS d (agency_id, day, client_id, minutes)
        SELECT agency_id, day, client_id, sum(minutes)
        FROM (
            SELECT agency_id, (started_at AT TIME ZONE 'UTC')::date AS day, client_id,
                   billable_minutes AS minutes
            FROM added WHERE billable
            UNION ALL
            SELECT agency_id, (started_at AT TIME ZONE 'UTC')::date, client_id,
                   -billable_minutes
            FROM removed WHERE billable
        ) AS change
        GROUP BY 1, 2, 3 HAVING sum(minutes) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (agency_id, day, client_id)
        DO UPDATE SET minutes = d.minutes + excluded.minutes;
    ELSE
        INSERT INTO time_entry_days AS d (agency_id, day, client_id, minutes)
        SELECT agency_id, (started_at AT TIME ZONE 'UTC')::date, client_id,
               -sum(billable_minutes)
        FROM removed WHERE billable
        GROUP BY 1, 2, 3 HAVING sum(billable_minutes) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (agency_id, day, client_id)
        DO UPDATE SET minutes = d.minutes + excluded.minutes;
    END IF;
    DELETE FROM time_entry_days AS d
    USING (SELECT DISTINCT agency_id, (started_at AT TIME ZONE 'UTC')::date AS day, client_id
           FROM removed) AS touched
    WHERE d.minutes = 0 AND d.agency_id = touched.agency_id AND d.day = touched.day
      AND d.client_id = touched.client_id;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION time_entry_days_empty() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE time_entry_days;
    RETURN NULL;
END
$$;
"""

BACKFILL = """
DO $$
DECLARE
    agency integer;
BEGIN
    FOR agency IN SELECT agency_ids(false) LOOP
        PERFORM set_config('app.agency_id', agency::text, true);
        INSERT INTO time_entry_days (agency_id, day, client_id, minutes)
        SELECT agency_id, (started_at AT TIME ZONE 'UTC')::date, client_id,
               sum(billable_minutes)
        FROM time_entries WHERE agency_id = agency AND billable
        GROUP BY 1, 2, 3 HAVING sum(billable_minutes) <> 0;
    END LOOP;
    PERFORM set_config('app.agency_id', '', true);
END
$$
"""

TRIGGERS = {
    "time_entry_days_added": "AFTER INSERT ON time_entries REFERENCING NEW TABLE AS added",
    "time_entry_days_changed": (
        "AFTER UPDATE ON time_entries REFERENCING OLD TABLE AS removed NEW TABLE AS added"
    ),
    "time_entry_days_removed": "AFTER DELETE ON time_entries REFERENCING OLD TABLE AS removed",
}


def upgrade():
    op.create_index(
        op.f("ix_time_entries_agency_id_started_at"),
        "time_entries",
        ["agency_id", "started_at"],
        unique=False,
    )
    if op.get_bind().dialect.name != "postgresql":
        return  # elsewhere the run sums the entries themselves
    op.create_table(
        "time_entry_days",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("agency_id", "day", "client_id", name=op.f("pk_time_entry_days")),
    )
    rls.enable(op, "time_entry_days")
    op.execute(FUNCTIONS)
    for name, when in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} {when} FOR EACH STATEMENT"
            " EXECUTE FUNCTION time_entry_days_apply()"
        )
    op.execute(
        "CREATE TRIGGER time_entry_days_emptied AFTER TRUNCATE ON time_entries"
        " FOR EACH STATEMENT EXECUTE FUNCTION time_entry_days_empty()"
    )
    # The entries already kept, agency by agency with its tenant set: the owner may be
    # fenced by row-level security like the app (docs/configuration.md).
    op.execute(BACKFILL)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in (*TRIGGERS, "time_entry_days_emptied"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON time_entries")
        op.execute("DROP FUNCTION IF EXISTS time_entry_days_apply()")
        op.execute("DROP FUNCTION IF EXISTS time_entry_days_empty()")
        op.drop_table("time_entry_days")
    op.drop_index(op.f("ix_time_entries_agency_id_started_at"), table_name="time_entries")
