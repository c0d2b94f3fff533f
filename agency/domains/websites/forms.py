"""The website forms: a site and its schedule (desk), an update asked for (portal), the
proof it was done and a post to publish (desk)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from agency.domains.websites.models import Platform
from agency.domains.websites.sites import FREQUENCIES
from agency.kernel import labels


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SiteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired()])
    url = StringField(_l("Address"), validators=[InputRequired()])
    platform = SelectField(_l("Platform"), choices=[], validate_choice=False)
    vault_entry_id = SelectField(_l("Login from the vault"), choices=[], validate_choice=False)
    checklist = TextAreaField(_l("Checklist for every scheduled update, one step per line"))
    approve_before_publishing = BooleanField(_l("The client approves posts before they go live"))

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.platform.choices = [
            SelectChoice(p.value, labels.label("site_platform", p)) for p in Platform
        ]
        self.vault_entry_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(e.id), e.label) for e in entries
        ]

    def fill(self, site) -> None:
        self.name.data, self.url.data, self.platform.data = site.name, site.url, site.platform
        self.vault_entry_id.data = str(site.vault_entry_id or "")
        self.checklist.data = "\n".join(site.checklist)
        self.approve_before_publishing.data = site.approve_before_publishing

    def payload(self) -> dict:
        return {
            "name": self.name.data or "", "url": (self.url.data or "").strip(),
            "platform": self.platform.data, "vault_entry_id": self.vault_entry_id.data or None,
            "checklist": _lines(self.checklist.data),
            "approve_before_publishing": bool(self.approve_before_publishing.data),
        }  # fmt: skip


class ScheduleForm(FlaskForm):
    frequency = SelectField(_l("Update the site"), choices=[], validate_choice=False)
    time_of_day = StringField(_l("At (HH:MM, the client's time)"), default="09:00")
    weekdays = StringField(_l("On, for weekly updates (mon, thu)"))
    day_of_month = StringField(_l("Day of the month, for monthly updates (1-31)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.frequency.choices = [
            SelectChoice(f, labels.label("site_schedule", f)) for f in FREQUENCIES
        ]

    def fill(self, schedule: dict) -> None:
        self.frequency.data = schedule["frequency"]
        self.time_of_day.data = schedule["time_of_day"] or "09:00"
        self.weekdays.data = ", ".join(schedule["weekdays"])
        self.day_of_month.data = str(schedule["day_of_month"] or "")

    def payload(self) -> dict:
        days = [d.strip().lower()[:3] for d in (self.weekdays.data or "").split(",") if d.strip()]
        return {
            "frequency": self.frequency.data, "time_of_day": (self.time_of_day.data or "").strip(),
            "weekdays": days, "day_of_month": (self.day_of_month.data or "").strip() or None,
        }  # fmt: skip


class UpdateRequestForm(FlaskForm):
    text = TextAreaField(_l("What should change"), validators=[InputRequired()])
    wished_on = StringField(_l("Wished for by"))
    files = MultipleFileField(_l("Pictures or files (PDF, images, office documents)"))


class ProofForm(FlaskForm):
    url = StringField(_l("Address of the changed page"), validators=[InputRequired()])
    note = TextAreaField(_l("Note for the client"))
    screenshot = FileField(_l("Screenshot (optional)"))


class PublicationForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired()])
    body = TextAreaField(
        _l("Text (blank lines start new paragraphs)"), validators=[InputRequired()]
    )
    kind = SelectField(_l("Publish as a"), choices=[], validate_choice=False)
    publish_as = SelectField(_l("Status on the site"), choices=[], validate_choice=False)
    image_id = SelectField(_l("Image from the client's files"), choices=[], validate_choice=False)
    image = FileField(_l("…or upload an image"))

    def __init__(self, *args, images=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, labels.label("publication_kind", k))
                             for k in ("post", "page")]  # fmt: skip
        self.publish_as.choices = [SelectChoice(s, labels.label("publish_as", s))
                                   for s in ("publish", "draft")]  # fmt: skip
        self.image_id.choices = [SelectChoice("", "—")] + [
            SelectChoice(str(f.id), f.filename) for f in images
        ]

    def payload(self, update_id=None, item_id=None) -> dict:
        return {
            "title": self.title.data or "", "body": self.body.data or "",
            "kind": self.kind.data, "publish_as": self.publish_as.data,
            "image_id": self.image_id.data or None, "update_id": update_id, "item_id": item_id,
        }  # fmt: skip
