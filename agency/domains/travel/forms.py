"""The trip forms of the desk (a trip, a segment) and the portal (a change asked for)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from agency.domains.travel.models import SegmentKind
from agency.kernel import labels


class TripForm(FlaskForm):
    title = StringField(_l("Trip"), validators=[InputRequired()])
    travellers = TextAreaField(_l("Who travels, one per line"))
    notes = TextAreaField(_l("Notes"))


class SegmentForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=[])
    origin = StringField(_l("From (airport code, station or place)"))
    destination = StringField(_l("To (airport code, station or place)"))
    departs = StringField(_l("Leaves (local time)"))
    arrives = StringField(_l("Arrives (local time)"))
    check_in = StringField(_l("Check-in day"))
    check_out = StringField(_l("Check-out day"))
    from_zone = StringField(_l("Time zone where it starts, if not the client's"))
    to_zone = StringField(_l("Time zone where it ends, if different"))
    carrier = StringField(_l("Airline, railway or car hire company"))
    number = StringField(_l("Flight or train number"))
    seat = StringField(_l("Seat"))
    reference = StringField(_l("Booking reference"))
    name = StringField(_l("Hotel or segment name"))
    address = StringField(_l("Address"))
    notes = TextAreaField(_l("Notes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [
            SelectChoice(k.value, labels.label("segment_kind", k)) for k in SegmentKind
        ]

    def payload(self) -> dict:
        """What the form gives, as the service takes it (empty fields left out)."""
        names = {"origin": "from", "destination": "to"}
        found = {"kind": self.kind.data}
        for field in self:
            if field.name in ("csrf_token", "kind"):
                continue
            value = (field.data or "").strip()
            if value:
                found[names.get(field.name, field.name)] = value
        return found


class ChangeForm(FlaskForm):
    text = TextAreaField(_l("What should change?"), validators=[InputRequired()])


class DocumentForm(FlaskForm):
    file = FileField(_l("A booking confirmation, e-ticket or boarding pass (PDF or image)"))
