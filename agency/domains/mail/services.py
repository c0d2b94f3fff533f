"""The client's mail rules, and the inbound email or dictation an item was made from
(writing: ``writing``; drafts: ``drafting``; dictation: ``dictations``).
"""

from agency.domains.clients.models import Client
from agency.domains.mail import conversations
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.models import (
    Dictation,
    InboundEmail,
)
from agency.domains.mail.schemas import (
    RulesSchema,
)
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from agency.kernel.records import values_for


def update_rules(client: Client, data: dict):
    values = values_for(RulesSchema(), data)
    rules = mail_settings.rules_for(client)
    rules.urgent_keywords = sorted({w.strip() for w in values["urgent_keywords"] if w.strip()})
    rules.forward_vip = values["forward_vip"]
    rules.signature = (values["signature"] or "").strip() or None
    db.session.commit()
    return rules


def for_item(item: WorkItem) -> tuple[InboundEmail | None, Dictation | None]:
    """The inbound email an item answers (the latest of its conversation) or the
    dictation it was made from."""
    links = item.links or {}
    received = conversations.messages(item)
    email = received[-1] if received else None
    if email is None and links.get("inbound_email_id"):
        email = db.session.get(InboundEmail, links["inbound_email_id"])
    dictation = (
        db.session.get(Dictation, links["dictation_id"]) if links.get("dictation_id") else None
    )
    return email, dictation
