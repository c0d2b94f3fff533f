"""Command-line tasks: `flask platform`, `flask tenants`, `flask demo`, `flask schedules`,
`flask serve`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from marshmallow import ValidationError as SchemaError
from sqlalchemy import text
from werkzeug.serving import run_simple

from agency.demo import DEMO_SLUG, load, logins
from agency.domains.accounts.signin import create_platform_admin
from agency.domains.schedules.tick import active_agency_ids, run_for_agency
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.queue import QUEUE_NAMES
from agency.kernel.rotation import rotate_visible
from tenants import Agency, directory, lifecycle, use_agency
from tenants.rls import grant_statements
from workers.worker import AgencyWorker, start_embedded, stop_embedded

platform_cli = AppGroup("platform", help="The platform's own operators.")
tenants_cli = AppGroup("tenants", help="Agencies: suspend, resume, export.")
demo_cli = AppGroup("demo", help="The demo agency.")
schedules_cli = AppGroup("schedules", help="Recurring work and the SLA watchdog.")
secrets_cli = AppGroup("secrets", help="Secrets kept encrypted at rest.")


@secrets_cli.command("rotate")
def rotate_secrets():
    """Re-encrypt every secret at rest with the newest key of ENCRYPTION_KEYS (put the new
    key first, keep the old ones after it until this has run)."""
    with use_agency(None):
        total = rotate_visible(tenant_owned=False)
    for agency_id in directory.agency_ids():
        with use_agency(agency_id):
            total += rotate_visible(tenant_owned=True)
    click.echo(f"{total} secrets now on the newest key")


@platform_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
def create_admin(email, name, password):
    """Create a platform admin (outside any agency)."""

    try:
        admin = create_platform_admin(email, name, password)
    except (ValidationError, SchemaError) as exc:
        raise click.ClickException(str(getattr(exc, "message", exc))) from exc
    click.echo(f"Platform admin {admin.email} created.")


def _agency(slug: str) -> Agency:
    agency = directory.agency_at(slug)
    if agency is None:
        raise click.ClickException(f"No agency with the slug {slug!r}.")
    return agency


@tenants_cli.command("export")
@click.argument("slug")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="File to write (default stdout)"
)
def export(slug, output):
    """Write all of an agency's data as a JSON archive."""
    text = lifecycle.export_json(_agency(slug))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")
    else:
        click.echo(text)


@tenants_cli.command("suspend")
@click.argument("slug")
@click.option("--reason", default="")
def suspend(slug, reason):
    lifecycle.suspend(_agency(slug), reason)
    click.echo(f"{slug} suspended.")


@tenants_cli.command("resume")
@click.argument("slug")
def resume(slug):
    lifecycle.resume(_agency(slug))
    click.echo(f"{slug} resumed.")


@tenants_cli.command("grant")
@click.argument("role")
def grant(role):
    """Grant the app's PostgreSQL role its table privileges (run as the owner)."""

    for statement in grant_statements(role):
        db.session.execute(text(statement))
    db.session.commit()
    click.echo(f"Granted {role}.")


@demo_cli.command("load")
def load_demo():
    """Load the demo agency unless it is there, and print its logins."""

    created = load()
    click.echo("Demo agency loaded." if created else "Demo agency already loaded.")
    click.echo(
        json.dumps(
            {"agency": DEMO_SLUG, "logins": logins(), "client_signup": f"/a/{DEMO_SLUG}/signup"},
            indent=2,
        )
    )


@schedules_cli.command("tick")
def schedules_tick():
    """Run one minute tick now, in this process, for every active agency."""

    for agency_id in active_agency_ids():
        counts = run_for_agency(agency_id)
        slug = directory.agency(agency_id).slug
        click.echo(
            f"{slug}: {counts['created']} recurring items, {counts['rerouted']} re-routed, "
            f"{counts['managers']} reported to managers"
        )
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:  # no worker serves this process's in-memory queue
        AgencyWorker(list(QUEUE_NAMES), connection=app.extensions["redis"], app=app).work(
            burst=True
        )


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
def serve(host, port):
    """Serve the app with a worker: embedded without REDIS_URL, else `python -m workers`."""
    app = current_app._get_current_object()
    worker = None
    if app.config["REDIS_URL"]:
        worker = subprocess.Popen([sys.executable, "-m", "workers"], env=os.environ.copy())
    else:
        start_embedded(app)
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)
        else:
            stop_embedded(app)


def register(app) -> None:
    for command in (platform_cli, tenants_cli, demo_cli, schedules_cli, secrets_cli, serve):
        app.cli.add_command(command)
