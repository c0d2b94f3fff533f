"""CSV import of secretaries, clients and contacts: dry run, real run, all or nothing."""

import io

import pytest
from sqlalchemy import select

from agency.domains.clients.models import Client, Contact
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, csrf_from, sign_in

SECRETARIES = (
    "name,email,phone,timezone,languages,specialities,skills,schedule\n"
    'Rita Alves,rita@alpha.example,+351213456789,Europe/Lisbon,"pt native, en C1",medical,'
    '"typing_wpm=85",mon-fri 09:00-17:00\n'
    'Jonas Weber,jonas@alpha.example,,Europe/Berlin,"de native",legal,,mon-thu 08:00-16:00\n'
)
BAD_SECRETARIES = (
    "name,email,timezone,languages\n"
    'Rita Alves,rita@alpha.example,Europe/Lisbon,"pt native"\n'
    "No Email,,Europe/Lisbon,\n"
    'Bad Zone,zone@alpha.example,Mars/Base,"xx B2"\n'
    "Twice,rita@alpha.example,UTC,\n"
)


@pytest.fixture
def api(client, agency):
    token = client.post(
        "/api/v1/auth/token", json={"email": agency.owner.email, "password": PASSWORD}
    ).json["token"]

    def post(kind, body, dry_run=True):
        return client.post(
            f"/api/v1/imports/{kind}?dry_run={'true' if dry_run else 'false'}",
            data=body.encode() if isinstance(body, str) else body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
        )

    return post


def _names(agency, model):
    with use_agency(agency.agency.id):
        return sorted(db.session.scalars(select(model.name)))


def test_a_dry_run_checks_and_writes_nothing(api, agency):
    report = api("secretaries", SECRETARIES)
    assert report.status_code == 200
    assert report.json["ok"] and report.json["rows"] == 2 and report.json["created"] == 0
    assert _names(agency, Secretary) == ["Alpha Secretary"]


def test_a_real_run_imports_every_row(api, agency):
    report = api("secretaries", SECRETARIES, dry_run=False)
    assert report.json["created"] == 2
    assert _names(agency, Secretary) == ["Alpha Secretary", "Jonas Weber", "Rita Alves"]
    with use_agency(agency.agency.id):
        rita = db.session.scalar(select(Secretary).where(Secretary.name == "Rita Alves"))
        assert rita.languages[1] == {"code": "en", "level": "C1"}
        assert rita.schedule["fri"] == [["09:00", "17:00"]]


def test_every_bad_row_is_listed_and_nothing_is_written(api, agency):
    report = api("secretaries", BAD_SECRETARIES, dry_run=False)
    assert report.status_code == 422
    errors = {e["line"]: e["fields"] for e in report.json["errors"]}
    assert set(errors) == {3, 4, 5}
    assert "email" in errors[3]
    assert errors[4]["timezone"] == ["Unknown time zone: Mars/Base."]
    assert errors[4]["languages"] == ["xx is not an ISO 639-1 language code."]
    assert errors[5]["email"] == ["A secretary with this email exists."]
    assert _names(agency, Secretary) == ["Alpha Secretary"]


def test_contacts_name_their_client(api, agency):
    body = (
        "client,name,kind,vip,phone\n"
        "Alpha Client,Hospital Santa Maria,partner,yes,+351217805000\n"
        "Nobody Ltd,Someone,customer,,\n"
    )
    report = api("contacts", body, dry_run=False)
    assert report.status_code == 422
    assert report.json["errors"] == [
        {"line": 3, "fields": {"client": ["No client called Nobody Ltd."]}}
    ]
    report = api("contacts", body.splitlines(keepends=True)[0] + body.splitlines()[1], False)
    assert report.json["created"] == 1
    assert _names(agency, Contact) == ["Hospital Santa Maria"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff\xfe\x00bad", "The file is not UTF-8 text."),
        ("email\nx@alpha.example\n", "missing: name"),
    ],
)
def test_unreadable_files_are_a_clear_400(api, agency, body, message):
    response = api("clients", body, dry_run=False)
    assert response.status_code == 400
    assert message in response.json["error"]["message"]
    assert _names(agency, Client) == ["Alpha Client"]


def test_the_console_import_page_runs_a_dry_run_then_imports(client, agency):
    sign_in(client, agency.manager)
    token = csrf_from(client.get("/console/import").get_data(as_text=True))
    upload = {"csrf_token": token, "kind": "clients"}
    body = "name,timezone,languages\nFerreira Dental,Europe/Lisbon,pt\nBad,Nowhere/Here,\n"
    checked = client.post(
        "/console/import",
        data={**upload, "dry_run": "y", "file": (io.BytesIO(body.encode()), "c.csv")},
        content_type="multipart/form-data",
    )
    assert checked.status_code == 422
    page = checked.get_data(as_text=True)
    assert "1 of 2 rows need attention" in page and "Unknown time zone: Nowhere/Here." in page
    good = body.splitlines()[0] + "\n" + body.splitlines()[1] + "\n"
    done = client.post(
        "/console/import",
        data={**upload, "file": (io.BytesIO(good.encode()), "c.csv")},
        content_type="multipart/form-data",
    )
    assert "Imported 1 rows." in done.get_data(as_text=True)
    assert _names(agency, Client) == ["Alpha Client", "Ferreira Dental"]


def test_imported_consent_states_its_source_and_is_kept_as_a_record(api, agency):
    from agency.domains.promotions import consent
    from agency.domains.promotions.models import Consent

    header = "client,name,email,marketing_consent,consent_source,consent_wording\n"
    unsourced = header + "Alpha Client,Ana Lima,ana@customers.example,yes,,\n"
    refused = api("contacts", unsourced, dry_run=False)
    assert refused.status_code == 422 and "consent_source" in refused.json["errors"][0]["fields"]
    body = header + (
        "Alpha Client,Ana Lima,ana@customers.example,yes,Loyalty cards 2026,Send me offers\n"
        "Alpha Client,Bruno Reis,bruno@customers.example,,,\n"
    )
    assert api("contacts", body, dry_run=False).json["created"] == 2
    with use_agency(agency.agency.id):
        [record] = db.session.scalars(select(Consent)).all()
        assert (record.method, record.source, record.wording, record.given) == (
            "import", "Loyalty cards 2026", "Send me offers", True,
        )  # fmt: skip
        assert [c.name for c in consent.consenting_contacts(agency.client.id)] == ["Ana Lima"]
