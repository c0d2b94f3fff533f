"""The campaign form of the desk and the consent form of a contact."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from agency.domains.clients.models import ContactKind
from agency.domains.promotions.consent import RECORDED
from agency.kernel import labels


def _listed(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace(";", ",").split(",") if part.strip()]


class AudienceForm(FlaskForm):
    kinds = SelectMultipleField(_l("To the consenting contacts who are (all when none)"))
    tags = StringField(_l("…with any of these tags (comma separated; any when empty)"))
    languages = StringField(_l("…who read (language codes: pt, en; any when empty)"))
    contacted_within_days = StringField(_l("…in touch within the last (days)"))
    quiet_for_days = StringField(_l("…or not in touch for (days)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds.choices = [
            SelectChoice(k.value, labels.label("contact_kind", k)) for k in ContactKind
        ]

    def audience(self) -> dict:
        return {
            "kinds": list(self.kinds.data or []),
            "tags": _listed(self.tags.data), "languages": _listed(self.languages.data),
            "contacted_within_days": (self.contacted_within_days.data or "").strip() or None,
            "quiet_for_days": (self.quiet_for_days.data or "").strip() or None,
        }  # fmt: skip


class SegmentForm(AudienceForm):
    name = StringField(_l("Name of the list"), validators=[InputRequired()])

    def payload(self) -> dict:
        return {"name": self.name.data or "", **self.audience()}


class CampaignForm(AudienceForm):
    subject = StringField(_l("Subject"), validators=[InputRequired()])
    body = TextAreaField(_l("Message"), validators=[InputRequired()])
    list_id = SelectField(_l("…or a saved list"), choices=[], validate_choice=False)
    send_at = StringField(_l("Send at (the client's time)"), validators=[InputRequired()])
    website_id = SelectField(_l("Post it on the client's website too"), choices=[],
                             validate_choice=False)  # fmt: skip
    image = FileField(_l("A picture at the top (optional: PNG, JPEG, GIF or WebP)"))

    def __init__(self, *args, sites=(), lists=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.website_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(site.id), site.name) for site in sites
        ]
        self.list_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(s.id), s.name) for s in lists
        ]

    def payload(self) -> dict:
        return {
            "subject": self.subject.data or "", "body": self.body.data or "",
            "send_at": (self.send_at.data or "").strip(), **self.audience(),
            "list_id": self.list_id.data or None,
            "website_id": self.website_id.data or None,
        }  # fmt: skip


class CampaignPictureForm(FlaskForm):
    image = FileField(_l("Picture"))


class ConsentForm(FlaskForm):
    given = BooleanField(_l("Agrees to the client's marketing email"), default=True)
    method = SelectField(_l("How"), choices=[], validate_choice=False)
    source = StringField(_l("Source (for an import: where the consent was collected)"))
    wording = TextAreaField(_l("The words the contact agreed to"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.method.choices = [
            SelectChoice(m.value, labels.label("consent_method", m)) for m in RECORDED
        ]

    def payload(self) -> dict:
        return {
            "given": bool(self.given.data), "method": self.method.data,
            "source": self.source.data or None, "wording": self.wording.data or None,
        }  # fmt: skip
