"""A campaign's email as each reader gets it: their name, the client as the sender, the
one-click unsubscribe link in the headers (RFC 8058) and at the foot, and, when the
campaign has a picture, an HTML part with the picture beside the plain text.

The message is built with the email package's compat32 classes, whose headers are kept
as written: the modern policy parses every header it is given, which costs more than the
rest of the sending together."""

import re
from email.charset import QP, Charset
from email.message import Message
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import formataddr, make_msgid, parseaddr
from html import escape
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from agency.domains.clients.models import Client
from agency.domains.promotions import campaigns, clicks
from agency.domains.promotions.models import Campaign
from agency.kernel import links


class _Wire(Compat32):
    """Compat32 that writes a plain one-line ASCII header as it is, and never folds: the
    unsubscribe link must stay one address."""

    def fold_binary(self, name, value):
        if isinstance(value, str) and value.isascii() and "\n" not in value and "\r" not in value:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


WIRE = _Wire(max_line_length=998)
UTF8_QP = Charset("utf-8")
UTF8_QP.body_encoding = QP
UNSUBSCRIBE = "unsubscribe"
# An unsubscribe link works for as long as anyone keeps the email (ten years).
LINK_LIFE = 10 * 365 * 24 * 3600
MARKER = "UNSUBSCRIBE-TOKEN"
_ADDRESS = re.compile(r"https?://[^\s<>\"]+")
_PARAGRAPHS = re.compile(r"\n\s*\n")


def unsubscribe_token(agency_id: int, recipient_id: int) -> str:
    return links.sign(UNSUBSCRIBE, {"a": agency_id, "r": recipient_id})


def _text_part(text: str) -> MIMEText:
    """Plain ASCII as it is; anything else as UTF-8, quoted-printable."""
    if text.isascii() and max(map(len, text.splitlines() or [""])) <= 998:
        return MIMEText(text, "plain", "us-ascii", policy=WIRE)
    return MIMEText(text, "plain", UTF8_QP, policy=WIRE)


def html_of(text: str, foot: str, image_cid: str | None, alt: str) -> str:
    """The text as HTML: escaped, its paragraphs and lines kept, its addresses links."""

    def linked(part: str) -> str:
        escaped = escape(part, quote=False)
        return _ADDRESS.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)

    paragraphs = "".join(
        f"<p>{linked(p.strip()).replace(chr(10), '<br>')}</p>"
        for p in _PARAGRAPHS.split(text.strip())
    )
    picture = (
        f'<p><img src="cid:{image_cid}" alt="{escape(alt)}" style="max-width:100%"></p>'
        if image_cid
        else ""
    )
    return (
        '<!DOCTYPE html><html><body style="font-family:sans-serif;max-width:40em">'
        f'{picture}{paragraphs}<p style="font-size:small;color:#555">{linked(foot)}</p>'
        "</body></html>"
    )


class Letter:
    """The campaign's parts that are the same for every reader, worked out once a job."""

    def __init__(self, campaign: Campaign, client: Client):
        self.agency_id = campaign.agency_id
        self.subject, self.body, self.client_name = campaign.subject, campaign.body, client.name
        self.sender = formataddr((client.name, parseaddr(current_app.config["MAIL_FROM"])[1]))
        self.link = links.external_url("public.unsubscribe", token=MARKER)
        self.language = campaigns.public_language(client)
        self.feet = {}
        self.counting = clicks.settings_of(client).track_clicks
        self.click_base = links.external_url("public.campaign_click", token=MARKER)
        self.domain = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "secretariat.localhost"
        self.picture = None
        if campaign.image:
            self.cid = f"campaign-{campaign.id}-picture@{self.domain}"
            self.picture = MIMEImage(campaign.image, campaign.image_type.split("/")[1],
                                     policy=WIRE)  # fmt: skip
            self.picture["Content-ID"] = f"<{self.cid}>"
            self.picture["Content-Disposition"] = "inline"

    def _foot(self, language: str | None) -> str:
        """The unsubscribe line in the reader's language (else the client's)."""
        if language not in current_app.config["LANGUAGES"]:
            language = self.language
        if language not in self.feet:
            with force_locale(language):
                self.feet[language] = _(
                    "You get this email from %(client)s. Unsubscribe: %(link)s",
                    client=self.client_name,
                    link=self.link,
                )
        return self.feet[language]

    def to(self, recipient) -> Message:
        token = unsubscribe_token(self.agency_id, recipient.id)
        link = self.link.replace(MARKER, token)
        subject = " ".join(campaigns.fill(self.subject, recipient.name, self.client_name).split())
        text = campaigns.fill(self.body, recipient.name, self.client_name)
        if self.counting:
            text = clicks.tracked(text, self.agency_id, recipient.id, self.click_base, MARKER)
        foot = self._foot(recipient.language).replace(MARKER, token)
        plain = _text_part(text + "\n\n-- \n" + foot + "\n")
        if self.picture is None:
            message = plain
        else:
            html = MIMEText(html_of(text, foot, self.cid, subject), "html", UTF8_QP, policy=WIRE)
            message = MIMEMultipart("alternative", policy=WIRE)
            message.attach(plain)
            message.attach(MIMEMultipart("related", _subparts=[html, self.picture], policy=WIRE))
        message["From"] = self.sender
        message["To"] = formataddr((recipient.name, recipient.address))
        message["Subject"] = subject
        message["Message-ID"] = recipient.message_id or make_msgid(domain=self.domain)
        message["List-Unsubscribe"] = f"<{link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["Precedence"] = "bulk"
        return message
