"""A client's vault over the API: entries without their secrets; a secret read with a
reason, audited and rate-limited; the audit of every reading."""

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.vault import entries
from agency.extensions import limiter
from agency.kernel.errors import NotFound
from agency.surfaces.api.base import (
    api_user,
    full_access_client,
    json_body,
    json_payload,
    token_required,
)

bp = Blueprint(
    "api_vault",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's vault: logins kept encrypted, read with a reason and audited",
)
blueprints = (bp,)


class EntryViewSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    label = fields.String()
    url = fields.String(allow_none=True)
    username = fields.String(allow_none=True)
    has_secret = fields.Boolean()
    notes = fields.String(allow_none=True)
    expires_on = fields.Date(allow_none=True)
    updated_at = fields.DateTime()


class SecretSchema(Schema):
    secret = fields.String(allow_none=True)


class VaultRevealViewSchema(Schema):
    id = fields.Integer()
    entry_id = fields.Integer(allow_none=True)
    label = fields.String()
    user = fields.String(allow_none=True)
    reason = fields.String()
    outcome = fields.String(
        metadata={"description": "shown, refused, or used (sent to a site to publish)"}
    )
    address = fields.String(allow_none=True)
    at = fields.DateTime()


def _client(client_id):
    return full_access_client(client_id)


@bp.get("/<int:client_id>/vault")
@bp.response(200, EntryViewSchema(many=True))
@token_required()
def list_entries(client_id):
    """The client's vault entries, never their secrets."""
    return [entries.view(e) for e in entries.entries_of(_client(client_id))]


@bp.post("/<int:client_id>/vault")
@json_body(bp, entries.EntrySchema)
@bp.response(201, EntryViewSchema)
@token_required()
def create_entry(client_id):
    """A new entry: ``label``, ``url``, ``username``, ``secret`` (kept encrypted, never
    answered back), ``notes``, ``expires_on``."""
    return entries.view(entries.create(_client(client_id), json_payload()))


@bp.patch("/<int:client_id>/vault/<int:vault_entry_id>")
@json_body(bp, entries.EntrySchema)
@bp.response(200, EntryViewSchema)
@token_required()
def update_entry(client_id, vault_entry_id):
    """Change what is given; a ``secret`` given replaces the one kept."""
    entry = entries.entry_of(_client(client_id), vault_entry_id)
    return entries.view(entries.update(entry, json_payload()))


@bp.post("/<int:client_id>/vault/<int:vault_entry_id>/reveal")
@limiter.limit(lambda: current_app.config["VAULT_REVEAL_RATE_LIMIT"])
@json_body(bp, entries.VaultRevealRequestSchema)
@bp.response(200, SecretSchema)
@token_required()
def reveal_entry(client_id, vault_entry_id):
    """The entry's secret, with a ``reason``: for the client's own secretaries and the
    managers, audited, rate-limited."""
    try:
        client = _client(client_id)
        entry = entries.entry_of(client, vault_entry_id)
    except NotFound:
        entries.refused_elsewhere(api_user(), client_id, vault_entry_id, request.remote_addr)
        raise
    secret = entries.reveal(client, entry, json_payload(), api_user(), request.remote_addr)
    return {"secret": secret}, 200, {"Cache-Control": "no-store"}


@bp.get("/<int:client_id>/vault-reveals")
@bp.response(200, VaultRevealViewSchema(many=True))
@token_required()
def list_reveals(client_id):
    """Who read which secret, when, why and from where."""
    return [entries.reveal_view(r) for r in entries.reveals_of(_client(client_id))]


policy_bp = Blueprint(
    "api_vault_policy",
    __name__,
    url_prefix="/api/v1/vault-policy",
    description="The agency's rule for its clients' vaults",
)
blueprints = (bp, policy_bp)


class PolicyViewSchema(Schema):
    clients_read_back = fields.Boolean()


@policy_bp.get("/")
@policy_bp.response(200, PolicyViewSchema)
@token_required(managers=True)
def get_policy():
    """Whether a client's people may read back the passwords they keep (with a reason,
    audited), or only replace them."""
    return {"clients_read_back": entries.policy().clients_read_back}


@policy_bp.put("/")
@json_body(policy_bp, entries.PolicySchema)
@policy_bp.response(200, PolicyViewSchema)
@token_required(managers=True)
def set_policy():
    return {"clients_read_back": entries.set_policy(json_payload()).clients_read_back}
