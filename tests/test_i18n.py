"""Every user-facing string is translated into the six shipped languages."""

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from agency.domains.accounts.models import ApiToken, User
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, sign_in

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "agency" / "translations"
LANGUAGES = ("de", "nl", "pt", "et", "id")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _catalog(language: str):
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.fixture(scope="module")
def source_messages(tmp_path_factory) -> set[str]:
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with open(pot, "rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_source_string_is_translated(language, source_messages):
    catalog = _catalog(language)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(source_messages - set(translated))
    assert missing == [], f"{language}: {len(missing)} untranslated, e.g. {missing[:5]}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    for message in _catalog(language):
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id


def test_the_browser_language_is_used(client):
    page = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    german = _catalog("de").get("Sign in").string
    assert german and german != "Sign in"
    assert 'lang="de-DE"' in page.get_data(as_text=True)
    assert german in page.get_data(as_text=True)


def test_the_users_own_choice_beats_the_browser(client, agency):
    sign_in(client, agency.manager)
    post_form(client, "/account/language", {"locale": "et"}, page="/account")
    with use_agency(agency.agency.id):
        assert db.session.get(User, agency.manager.id).locale == "et"
    page = client.get("/console/", headers={"Accept-Language": "pt"}).get_data(as_text=True)
    estonian = _catalog("et").get("Secretaries").string
    assert estonian and estonian != "Secretaries"
    assert 'lang="et"' in page
    assert estonian in page


def test_money_is_shown_in_the_pages_locale(client, agency):
    sign_in(client, agency.owner)
    english = client.get("/console/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    german = client.get("/console/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "€30.00" in english
    assert "30,00\xa0€" in german


def test_dates_follow_the_browsers_own_variant_of_the_language(client, agency):
    """An en-GB browser reads day/month and a 24-hour clock, an en-US one month/day; a
    de-AT browser reads German words; the user's own language keeps the browser's region."""
    sign_in(client, agency.manager)
    client.post(
        "/api/v1/auth/token",
        json={"email": agency.manager.email, "password": "correct-horse-battery"},
    )
    with use_agency(agency.agency.id):
        for token in db.session.query(ApiToken).all():
            token.created_at = datetime(2026, 12, 6, 21, 42, tzinfo=UTC)  # Lisbon: UTC+0
        db.session.commit()

    def account(languages):
        page = client.get("/account", headers={"Accept-Language": languages})
        assert page.status_code == 200
        return page.get_data(as_text=True)

    british = account("en-GB,en;q=0.9")
    assert "06/12/2026, 21:42" in british and 'lang="en-GB"' in british
    assert "12/6/26, 9:42" in account("en-US,en;q=0.9")
    austrian = account("de-AT,de;q=0.9")
    assert "06.12.26, 21:42" in austrian and 'lang="de-AT"' in austrian
    assert _catalog("de").get("Create a token").string in austrian
    post_form(client, "/account/language", {"locale": "pt"}, page="/account")
    chosen = account("en-GB,pt-BR;q=0.5")  # Portuguese, the user's choice, as in Brazil
    assert "06/12/2026 21:42" in chosen and 'lang="pt-BR"' in chosen
