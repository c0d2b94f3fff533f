"""The trip forms of the desk (a trip, a segment) and the portal (a change asked for)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

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


class PreferencesForm(FlaskForm):
    seat = SelectField(_l("Seat"), choices=[], validate_choice=False)
    cabin = SelectField(_l("Cabin"), choices=[], validate_choice=False)
    airlines = StringField(_l("Airlines preferred, separated by commas"))
    hotel_chains = StringField(_l("Hotel chains preferred, separated by commas"))
    notes = TextAreaField(_l("Other wishes"))
    checkin_hours = IntegerField(
        _l("Remind when check-in opens: hours before a flight (0: never)"),
        validators=[Optional()],
    )
    leave_minutes = IntegerField(
        _l("Remind to leave for the airport: minutes before a flight (0: never)"),
        validators=[Optional()],
    )
    hotel_hours = IntegerField(
        _l("Remind of a hotel's check-in: hours before (0: never)"), validators=[Optional()]
    )
    loyalty = TextAreaField(
        _l("Loyalty programmes, one per line: programme, number (replaces those kept)")
    )
    passport_name = StringField(_l("Name as in the passport"))
    passport_number = StringField(_l("Passport number"))
    passport_nationality = StringField(_l("Nationality"))
    passport_expires_on = StringField(_l("Passport valid until"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        empty = SelectChoice("", _l("no preference"))
        self.seat.choices = [empty] + [
            SelectChoice(v, labels.label("seat_preference", v)) for v in ("window", "aisle")
        ]
        self.cabin.choices = [empty] + [
            SelectChoice(v, labels.label("cabin", v))
            for v in ("economy", "premium_economy", "business", "first")
        ]

    def fill(self, kept: dict) -> None:
        """Show the preferences kept (never the secrets)."""
        self.seat.data, self.cabin.data = kept["seat"] or "", kept["cabin"] or ""
        self.airlines.data = ", ".join(kept["airlines"])
        self.hotel_chains.data = ", ".join(kept["hotel_chains"])
        self.notes.data = kept["notes"] or ""
        for name in ("checkin_hours", "leave_minutes", "hotel_hours"):
            getattr(self, name).data = kept[name]

    def payload(self) -> dict:
        """What the form gives as the service takes it: the secrets only when typed."""
        found = {
            "seat": self.seat.data or None,
            "cabin": self.cabin.data or None,
            "airlines": [a.strip() for a in (self.airlines.data or "").split(",") if a.strip()],
            "hotel_chains": [
                h.strip() for h in (self.hotel_chains.data or "").split(",") if h.strip()
            ],
            "notes": self.notes.data or None,
            **{
                name: getattr(self, name).data
                for name in ("checkin_hours", "leave_minutes", "hotel_hours")
                if getattr(self, name).data is not None
            },
        }
        lines = [line for line in (self.loyalty.data or "").splitlines() if line.strip()]
        if lines:
            found["loyalty"] = [
                {"programme": line.rsplit(",", 1)[0].strip(),
                 "number": line.rsplit(",", 1)[-1].strip() if "," in line else ""}
                for line in lines
            ]  # fmt: skip
        passport = {
            "name": self.passport_name.data, "number": self.passport_number.data,
            "nationality": self.passport_nationality.data,
            "expires_on": self.passport_expires_on.data,
        }  # fmt: skip
        if any((v or "").strip() for v in passport.values()):
            found["passport"] = {k: (v or "").strip() or None for k, v in passport.items()}
        return found


class RevealForm(FlaskForm):
    what = HiddenField()
    reason = StringField(_l("Why you need to see it"))
