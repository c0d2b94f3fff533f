"""Counting the clicks on a campaign's links, only where the client has turned it on:
each link in the message becomes a signed address of ours that records the click and
sends the reader on. Only the links the message carried can be followed this way (the
address is signed), so it opens nothing else."""

import re

from flask_babel import gettext as _
from itsdangerous import BadSignature
from marshmallow import Schema, fields
from sqlalchemy import func, select

from agency.domains.clients.models import Client
from agency.domains.promotions.models import Click, PromotionSettings, Recipient
from agency.kernel import links
from agency.kernel.database import db
from agency.kernel.errors import BadInput
from agency.kernel.records import values_for

PURPOSE = "campaign-click"
LIFE = 10 * 365 * 24 * 3600
_LINK = re.compile(r"https?://[^\s<>\"')\]]+")


class CampaignSettingsSchema(Schema):
    track_clicks = fields.Boolean(required=True)


def settings_of(client: Client) -> PromotionSettings:
    found = db.session.scalar(
        select(PromotionSettings).where(PromotionSettings.client_id == client.id)
    )
    if found is None:  # nothing chosen yet: off
        found = PromotionSettings(client_id=client.id, track_clicks=False)
    return found


def save_settings(client: Client, data: dict) -> PromotionSettings:
    values = values_for(CampaignSettingsSchema(), data)
    found = settings_of(client)
    found.track_clicks = values["track_clicks"]
    db.session.add(found)
    db.session.commit()
    return found


def tracked(text: str, agency_id: int, recipient_id: int, click_base: str, marker: str) -> str:
    """The text with each web link turned into its counted address."""

    def counted(match) -> str:
        token = links.sign(PURPOSE, {"a": agency_id, "r": recipient_id, "u": match.group(0)})
        return click_base.replace(marker, token)

    return _LINK.sub(counted, text)


def of_token(token: str) -> tuple[int, int, str]:
    """(agency id, recipient id, the link's address); a clear 400 when tampered."""
    try:
        payload = links.unsign(PURPOSE, token, max_age=LIFE)
        url = str(payload["u"])
        if not url.startswith(("http://", "https://")):
            raise ValueError(url)
        return int(payload["a"]), int(payload["r"]), url
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadInput(_("This link is not valid.")) from exc


def record(recipient_id: int, url: str) -> None:
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is not None:
        db.session.add(Click(campaign_id=recipient.campaign_id, recipient_id=recipient.id,
                             url=url[:1000]))  # fmt: skip
        db.session.commit()


def clicked(campaign_ids: list[int]) -> dict[int, int]:
    """How many readers followed a link of each campaign, for those with any: one query."""
    return dict(
        db.session.execute(
            select(Click.campaign_id, func.count(func.distinct(Click.recipient_id)))
            .where(Click.campaign_id.in_(campaign_ids))
            .group_by(Click.campaign_id)
        ).all()
    )
