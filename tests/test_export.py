"""An agency's data, exported as one JSON archive."""

import json

from tests.conftest import sign_in


def _check_archive(archive, agency):
    assert archive["agency"]["slug"] == "alpha"
    emails = {u["email"] for u in archive["tables"]["users"]}
    assert emails == {
        "owner@alpha.example",
        "manager@alpha.example",
        "secretary@alpha.example",
        "client@alpha.example",
    }
    assert [c["name"] for c in archive["tables"]["clients"]] == ["Alpha Client"]
    text = json.dumps(archive)
    assert "Bravo" not in text
    assert "password_hash" not in text and "$argon2" not in text


def test_cli_export_writes_the_agencys_archive(app, agency, other_agency, tmp_path):
    target = tmp_path / "alpha.json"
    result = app.test_cli_runner().invoke(args=["tenants", "export", "alpha", "-o", str(target)])
    assert result.exit_code == 0, result.output
    _check_archive(json.loads(target.read_text()), agency)


def test_console_export_downloads_the_archive(client, agency, other_agency):
    sign_in(client, agency.owner)
    response = client.get("/console/export")
    assert response.status_code == 200
    assert "alpha-export.json" in response.headers["Content-Disposition"]
    _check_archive(response.json, agency)


def test_cli_export_of_an_unknown_agency_fails_cleanly(app):
    result = app.test_cli_runner().invoke(args=["tenants", "export", "nope"])
    assert result.exit_code != 0
    assert "No agency with the slug 'nope'" in result.output


def test_the_export_leaves_out_calendar_feed_secrets(app, agency):
    from agency.domains.calendar.services import ensure_feed
    from agency.domains.clients.models import Client
    from agency.kernel.database import db
    from tenants import directory, use_agency
    from tenants.lifecycle import export_json

    with use_agency(agency.agency.id):
        token = ensure_feed(db.session.get(Client, agency.client.id)).token
    archive = export_json(directory.agency(agency.agency.id))
    assert '"calendar_feeds"' in archive
    assert token.split("-", 1)[1] not in archive and "token_hash" not in archive


def test_the_export_leaves_out_vault_secrets_and_keeps_the_websites(app, agency):
    from agency.domains.clients.models import Client
    from agency.domains.vault import entries
    from agency.domains.websites import sites
    from agency.kernel.database import db
    from tenants import directory, use_agency
    from tenants.lifecycle import export_json

    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        entry = entries.create(client, {"label": "Shop admin", "username": "office",
                                        "secret": "Vault-Secret-77"})  # fmt: skip
        sites.create(client, {"name": "Shop", "url": "https://shop.alpha.example",
                              "vault_entry_id": entry.id})  # fmt: skip
    archive = export_json(directory.agency(agency.agency.id))
    tables = json.loads(archive)["tables"]
    assert [e["label"] for e in tables["vault_entries"]] == ["Shop admin"]
    assert [s["url"] for s in tables["websites"]] == ["https://shop.alpha.example"]
    assert "Vault-Secret-77" not in archive and '"secret"' not in archive
