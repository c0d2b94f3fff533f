"""Every route, visited by agency B's people for agency A's objects, shows B nothing of A.

The walk covers routes added later automatically: a route whose parameters it cannot
fill in fails the test until a filler (or a reason it is public) is added here.
"""

import pytest
from flask import url_for

from agency.domains.accounts import api_tokens
from agency.domains.accounts.models import User
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import body_of, csrf_from, sign_in
from tests.cross_tenant_seed import A_MARKERS, FILLERS, a_is_untouched, seed_alpha

pytestmark = pytest.mark.sqlite

# Parameters that name a part of the agency's own pages, not one of A's objects: B gets
# its own page (200), still with nothing of A's on it.
OWN_PAGE_PARAMS = {"section"}

# Routes that show an agency's public face by design, with the reason.
PUBLIC_BY_DESIGN = {
    "public.agency_page": "the agency's public page, reached by its slug",
    "public.client_signup": "the agency's public client signup page, reached by its slug",
    "public.client_signup_card": "the signup page's card step, for a visitor of the agency",
    "public.client_terms": "the terms the agency's new clients accept, public by nature",
}

# Surfaces closed to agency users by role: B's users get 403 there, never A's data.
ROLE_CLOSED_PREFIXES = ("/platform",)

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def alpha(app, agency):
    return seed_alpha(app, agency)


def _user_for(rule: str, bravo):
    if rule.startswith("/desk"):
        return bravo.secretary
    if rule.startswith("/portal"):
        return bravo.client_user
    return bravo.owner


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.startswith("api-docs"):
            continue
        for method in sorted(rule.methods - SKIPPED_METHODS):
            yield rule, method


def _fill(rule, alpha) -> dict:
    values = {}
    for name in rule.arguments:
        if name not in FILLERS:
            pytest.fail(f"cannot fill <{name}> in {rule.rule}: add a filler to FILLERS")
        values[name] = FILLERS[name](alpha)
    return values


def _request(app, http, rule, method, values, bravo_token):
    with app.test_request_context():
        url = url_for(rule.endpoint, **values)
    if url.startswith("/api/"):
        headers = {"Authorization": f"Bearer {bravo_token}"}
        return http.open(url, method=method, headers=headers, json={} if method != "GET" else None)
    if method == "GET":
        return http.get(url)
    token = csrf_from(http.get("/account").get_data(as_text=True))
    return http.open(url, method=method, data={"csrf_token": token})


def test_agency_b_never_sees_or_changes_agency_a(app, alpha, other_agency):
    with use_agency(other_agency.agency.id):
        _t, bravo_token = api_tokens.issue_api_token(
            db.session.get(User, other_agency.owner.id), "bravo"
        )
    checked = []
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC_BY_DESIGN:
            continue
        values = _fill(rule, alpha)
        if not values and method != "GET":
            continue  # creates in B's own agency; nothing of A's to reach
        http = app.test_client()
        sign_in(http, _user_for(rule.rule, other_agency))
        response = _request(app, http, rule, method, values, bravo_token)
        body = body_of(response)
        where = f"{method} {rule.rule} -> {response.status_code}"
        assert not any(marker in body for marker in A_MARKERS), where
        assert response.status_code < 500, where
        if values and not set(values) <= OWN_PAGE_PARAMS:
            expected = {403} if rule.rule.startswith(ROLE_CLOSED_PREFIXES) else {404, 400}
            if "token" in values:
                expected = {400}
            assert response.status_code in expected, where
        checked.append(where)
    assert len(checked) > 10
    a_is_untouched(alpha)
