"""Agency B's people send agency A's ids every other way an id can arrive: in the JSON
bodies of the API (a payload for every operation built from the OpenAPI document, every
id field A's and every other field valid), in query strings, and in form posts, as each
role of B (owner, manager, team lead, secretary, client). Afterwards nothing of A's was
read, nothing of B's is linked to A's records, and A's records are as they were.
"""

import re
from datetime import date

import pytest
from flask import url_for
from sqlalchemy import create_engine, text

from agency.domains.accounts import api_tokens
from agency.domains.accounts.models import Role, User
from agency.domains.accounts.passwords import hash_password
from agency.domains.staff.models import Secretary
from agency.domains.work.creation import create_item
from agency.kernel.database import db
from tenants import all_tenant_models, use_agency
from tests.conftest import PASSWORD, body_of, csrf_from, sign_in, snapshot
from tests.cross_tenant_seed import A_MARKERS, FILLERS, a_is_untouched, seed_alpha

pytestmark = pytest.mark.sqlite

# Not B's people's to reach: providers' hooks, feeds, the operator's pages, signing out.
SKIPPED_PREFIXES = ("/hooks", "/feeds", "/platform", "/logout")
# Ids of B's own records, for the paths of the routes the payloads go to.
B_PATH_IDS = ("agency_id", "user_id", "client_id", "secretary_id", "contract_id", "item_id")
# Values that pass the checks of fields that are not ids.
VALID = {
    "timezone": "Europe/Lisbon",
    "currency": "EUR",
    "locale": "en",
    "language": "en",
    "email": "probe@bravo.example",
    "to_address": "probe@bravo.example",
    "owner_email": "probe-owner@bravo.example",
    "password": "a-long-probe-password",
    "owner_password": "a-long-probe-password",
    "number": "+351912000111",
    "phone": "+351912000111",
    "client_phone": "+351912000111",
    "slug": "bravo-probe",
    "role": "client",
    "languages": [{"code": "en", "level": "C1"}],
    "starts_at": "2027-01-04T10:00:00+00:00",
    "ends_at": "2027-01-04T11:00:00+00:00",
    "started_at": "2026-11-20T10:00:00+00:00",
    "starts_on": "2027-01-04",
    "ends_on": "2027-01-05",
    "day": "2027-01-04",
    "date": "2027-01-04",
    "on": date.today().isoformat(),
    "minutes": 30,
    "reason": "a probe",
    "time_of_day": "09:00",
    "schedule": {"mon": [["09:00", "17:00"]]},
    "business_hours": {"mon": [["09:00", "17:00"]]},
    "spans": [["10:00", "14:00"]],
    "digest_times": ["17:00"],
    "caller": "+351912000222",
    "host": "imap.bravo.example",
}


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _value(spec: dict, name: str, schema: dict, a_ids: dict, depth: int = 0):
    schema = _resolve(spec, schema)
    if name in a_ids:
        return a_ids[name]
    if name.endswith("_ids") and name[:-1] in a_ids:
        return [a_ids[name[:-1]]]
    if "enum" in schema:
        return next(v for v in schema["enum"] if v is not None)
    if name in VALID:
        return VALID[name]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return _object(spec, schema, a_ids, depth + 1) if depth < 3 else {}
    if kind == "array":  # lists of ids carry A's; any other list is left empty
        return []
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    shape = schema.get("format")
    if shape == "date":
        return "2027-01-04"
    if shape == "date-time":
        return "2027-01-04T10:00:00+00:00"
    if shape == "email":
        return "probe@bravo.example"
    return "Bravo probe"[: schema.get("maxLength", 11)]


def _object(spec: dict, schema: dict, a_ids: dict, depth: int = 0) -> dict:
    schema = _resolve(spec, schema)
    return {
        name: _value(spec, name, prop, a_ids, depth)
        for name, prop in schema.get("properties", {}).items()
        if not _resolve(spec, prop).get("readOnly")
    }


def _bravo_people(bravo) -> dict:
    """Each role's user; the team lead leads an assistant secretary of their own."""
    with use_agency(bravo.agency.id):
        assistant = User(
            email="assistant@bravo.example",
            name="Bravo Assistant",
            role=Role.secretary,
            password_hash=hash_password(PASSWORD),
        )
        db.session.add(assistant)
        db.session.flush()
        db.session.add(
            Secretary(
                user_id=assistant.id,
                name="Bravo Assistant",
                email=assistant.email,
                team_lead_id=bravo.profile.id,
            )
        )
        item, _new = create_item(
            {"client_id": bravo.client.id, "kind": "task", "title": "Bravo task"}
        )
        bravo.item_id = item.id
        bystander = User(
            email="bystander@bravo.example",
            name="Bravo Bystander",
            role=Role.secretary,
            password_hash=hash_password(PASSWORD),
        )
        db.session.add(bystander)
        db.session.commit()
        bravo.bystander_id = bystander.id  # the user B's paths name (changes spare the rest)
        people = {
            "owner": bravo.owner,
            "manager": bravo.manager,
            "lead": bravo.secretary,
            "secretary": snapshot(assistant),
            "client_user": bravo.client_user,
        }
        tokens = {
            role: api_tokens.issue_api_token(db.session.get(User, user.id), "probe")[1]
            for role, user in people.items()
        }
    return {role: (user, tokens[role]) for role, user in people.items()}


def _b_path(rule, bravo) -> dict | None:
    """B's own records for the route's path, or None when it names other records (those
    are walked with A's ids in the URL by the other cross-tenant test)."""
    if not set(rule.arguments) <= set(B_PATH_IDS):
        return None
    ids = {
        "agency_id": bravo.agency.id,
        "user_id": bravo.bystander_id,
        "client_id": bravo.client.id,
        "secretary_id": bravo.profile.id,
        "contract_id": bravo.contract.id,
        "item_id": getattr(bravo, "item_id", None),
    }
    return {name: ids[name] for name in rule.arguments}


def _cross_agency_links(app) -> list[str]:
    """Rows of one agency whose key names a row of another (read as the owner)."""
    found = []
    engine = create_engine(app.config["DATABASE_MIGRATE_URL"])
    tenant_tables = {m.__tablename__ for m in all_tenant_models(db.Model.registry)}
    with engine.connect() as conn:
        for model in all_tenant_models(db.Model.registry):
            for key in model.__table__.foreign_keys:
                parent = key.column.table.name
                if parent not in tenant_tables:
                    continue
                child, column = model.__tablename__, key.parent.name
                crossed = conn.scalar(
                    text(
                        f'SELECT count(*) FROM "{child}" c JOIN "{parent}" p '
                        f'ON p."{key.column.name}" = c."{column}" WHERE p.agency_id <> c.agency_id'
                    )
                )
                if crossed:
                    found.append(f"{child}.{column} -> {parent}: {crossed}")
    engine.dispose()
    return found


def _check(response, where: str) -> None:
    body = body_of(response)
    assert response.status_code < 500, where
    assert not any(marker in body for marker in A_MARKERS), where


def test_a_ids_in_bodies_and_query_strings_reach_nothing_of_a_as_any_role(
    app, agency, other_agency
):
    alpha = seed_alpha(app, agency)
    a_ids = {name: fill(alpha) for name, fill in FILLERS.items() if name.endswith("_id")}
    people = _bravo_people(other_agency)
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    query = "&".join(f"{name}={value}" for name, value in sorted(a_ids.items()))
    sent = {"body": 0, "query": 0, "form": 0}

    sessions = {}
    for role, (user, token) in people.items():
        browser = app.test_client()
        sign_in(browser, user)
        csrf = csrf_from(browser.get("/account").get_data(as_text=True))
        sessions[role] = (browser, {"Authorization": f"Bearer {token}"}, csrf)
    for method, rule, url, role in _requests(app, other_agency, people):
        browser, bearer, csrf = sessions[role]
        where = f"{role} {method} {url}"
        if method == "GET":
            _check(browser.get(f"{url}?{query}", headers=bearer), where)
            sent["query"] += 1
        elif url.startswith("/api/"):
            operation = _operation(spec, rule, method)
            body = operation and operation.get("requestBody")
            if body and "application/json" not in body["content"]:  # a file: A's ids in it
                media = next(iter(body["content"]))
                sent_file = " ".join(f"{k}={v}" for k, v in a_ids.items()).encode()
                headers = {**bearer, "Content-Type": media}
                _check(browser.open(url, method=method, data=sent_file, headers=headers), where)
                sent["body"] += 1
                continue
            payload = (
                _object(spec, body["content"]["application/json"]["schema"], a_ids) if body else {}
            )
            _check(browser.open(url, method=method, json=payload, headers=bearer), where)
            sent["body"] += 1
        else:
            form = {**{k: str(v) for k, v in a_ids.items()}, "csrf_token": csrf}
            _check(browser.open(url, method=method, data=form), where)
            sent["form"] += 1

    assert min(sent.values()) > 20, sent
    assert _cross_agency_links(app) == []
    a_is_untouched(alpha)


# Reads first, then writes; what archives or removes B's own records last of all.
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}


def _requests(app, bravo, people):
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api-docs"):
            continue
        values = _b_path(rule, bravo)
        if values is None or rule.rule.startswith(SKIPPED_PREFIXES):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        archives = rule.rule.endswith(("/archive", "/remove", "/delete"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            rank = METHOD_ORDER[method] + (4 if archives else 0)
            found.extend((rank, url, method, rule, role) for role in people)
    for _rank, url, method, rule, role in sorted(found, key=lambda f: f[:3] + (f[4],)):
        yield method, rule, url, role


def _operation(spec: dict, rule, method: str) -> dict | None:
    """The OpenAPI operation of a Flask rule (``<int:x>`` written ``{x}``)."""
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
    return spec["paths"].get(path, {}).get(method.lower())
