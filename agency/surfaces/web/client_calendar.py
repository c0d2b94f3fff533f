"""A client's calendar page, the same in the portal (the client's own) and on the desk
(a client the secretary serves): what is coming, free times for a meeting, an event to
add, an .ics file to import, and the meeting rules of the instruction sheet. Each
surface gives the client and the addresses of its own routes."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.calendar import (
    booking,
    caldav_sync,
    events,
    imports,
    meeting_requests,
    meetings,
    slots,
)
from agency.domains.calendar.forms import (
    ArrangeForm,
    BookingForm,
    ConnectionForm,
    EventForm,
    ImportForm,
    MeetingRulesForm,
    SlotsForm,
    booking_data,
    fill_booking_form,
    fill_rules_form,
    participants_of,
    rules_data,
)
from agency.domains.clients.models import Client, Contact
from agency.domains.work.models import EVENT_KINDS, Status, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.plaintext import show_weekly_hours
from agency.surfaces.web.forms import ConfirmForm, refused, wall_clock

# What the page lists: from a week back to a year ahead, the first 200.
SHOWN_BACK, SHOWN_AHEAD, MOST_SHOWN = timedelta(days=7), timedelta(days=366), 200


def coming(client: Client) -> list[dict]:
    """The calendar's events and the meetings and travel arranged as work items, in one
    list, soonest first."""
    now = clock.now()
    listed = [
        {"event": e, "starts_at": e.starts_at, "ends_at": e.ends_at, "title": e.title,
         "day": e.starts_at.astimezone(ZoneInfo(e.timezone)).date() if e.all_day else None,
         "kind": e.kind, "location": e.location, "cancelled": e.cancelled_at is not None,
         "people": [a.get("name") or a["email"] for a in e.attendees or []]}
        for e in events.between(client, now - SHOWN_BACK, now + SHOWN_AHEAD, cancelled=True)
    ]  # fmt: skip
    items = db.session.scalars(
        select(WorkItem).where(
            WorkItem.client_id == client.id,
            WorkItem.kind.in_(EVENT_KINDS),
            WorkItem.starts_at.is_not(None),
            WorkItem.ends_at >= now - SHOWN_BACK,
            WorkItem.starts_at < now + SHOWN_AHEAD,
        )
    ).all()
    listed += [
        {"event": None, "starts_at": i.starts_at, "ends_at": i.ends_at, "title": i.title,
         "day": None,
         "kind": i.kind, "location": i.location, "cancelled": i.status == Status.cancelled.value,
         "people": list(i.attendees or [])}
        for i in items
    ]  # fmt: skip
    return sorted(listed, key=lambda entry: entry["starts_at"])[:MOST_SHOWN]


def page(client: Client, urls: dict, template: str, context: dict, forms: dict | None = None):
    """The page, with ``forms`` that were refused (and their status) in place of fresh ones."""
    forms = forms or {}
    rules_view = slots.rules_view(client)
    booking_view = booking.view(booking.page_of(client))
    booking_form = forms.get("booking") or BookingForm(formdata=None)
    if "booking" not in forms:
        fill_booking_form(booking_form, booking_view)
    rules_form = forms.get("rules") or MeetingRulesForm(formdata=None)
    if "rules" not in forms:
        fill_rules_form(rules_form, rules_view)
    search = SlotsForm(request.args, meta={"csrf": False})
    found, searched = [], bool(request.args.get("minutes"))
    if searched and search.validate():
        try:
            found = slots.free_slots(
                client, search.minutes.data, search.on_or_after.data, search.on_or_before.data
            )
        except ValidationError as exc:
            for name, messages in exc.fields.items():
                target = {"to": search.on_or_before}.get(name, search.minutes)
                target.errors = list(target.errors) + list(messages)
    if not searched:
        today = clock.now().astimezone(ZoneInfo(client.timezone)).date()
        search.on_or_after.data, search.on_or_before.data = today, today + timedelta(days=7)
    return render_template(
        template,
        client=client,
        entries=coming(client),
        rules=rules_view,
        hours_in_use=show_weekly_hours(rules_view["hours_in_use"]),
        rules_form=rules_form,
        event_form=forms.get("event") or EventForm(formdata=None),
        import_form=forms.get("import") or ImportForm(formdata=None),
        arrange_form=_with_contacts(
            forms.get("arrange") or _for_item(ArrangeForm(formdata=None), client), client
        ),
        requests=meeting_requests.requests_of(client),
        connection=caldav_sync.connection_of(client),
        booking=booking_view,
        booking_form=booking_form,
        connection_form=forms.get("connection") or ConnectionForm(formdata=None),
        search=search,
        searched=searched,
        slots=found,
        confirm_form=ConfirmForm(),
        urls=urls,
        **context,
    )


def save_rules(client: Client, urls: dict, template: str, context: dict):
    form = MeetingRulesForm()
    if form.validate_on_submit():
        try:
            slots.save_rules(client, rules_data(form))
            flash(_("Meeting rules saved."), "success")
            return redirect(urls["page"])
        except ValidationError as exc:
            refused(form, exc)
            return page(client, urls, template, context, {"rules": form}), exc.status_code
    return page(client, urls, template, context, {"rules": form}), 422


def add_event(client: Client, urls: dict, template: str, context: dict):
    form = EventForm()
    if form.validate_on_submit():
        try:
            people = [p.strip() for p in (form.attendees.data or "").split(",") if p.strip()]
            events.create(
                client,
                {
                    "kind": form.kind.data,
                    "title": form.title.data,
                    "starts_at": wall_clock(form.starts_at.data, "starts_at"),
                    "ends_at": wall_clock(form.ends_at.data, "ends_at"),
                    "location": form.location.data or None,
                    "video_url": (form.video_url.data or "").strip() or None,
                    "attendees": [{"email": p} for p in people],
                },
            )
            flash(_("Added to the calendar."), "success")
            return redirect(urls["page"])
        except ValidationError as exc:
            refused(form, exc)
            return page(client, urls, template, context, {"event": form}), exc.status_code
    return page(client, urls, template, context, {"event": form}), 422


def import_file(client: Client, urls: dict, template: str, context: dict):
    form = ImportForm()
    if form.validate_on_submit():
        try:
            result = imports.import_ics(client, form.file.data.read(imports.MAX_BYTES + 1))
            flash(
                _(
                    "Calendar read: %(added)s added, %(changed)s changed, %(unchanged)s already "
                    "here, %(skipped)s left out.",
                    **result,
                ),
                "success",
            )
            return redirect(urls["page"])
        except ValidationError as exc:
            refused(form, exc)
            if not exc.fields.get("file"):
                form.file.errors = [exc.message]
            return page(client, urls, template, context, {"import": form}), exc.status_code
    return page(client, urls, template, context, {"import": form}), 422


def cancel_event(client: Client, event_id: int, urls: dict):
    event = events.event_of(client, event_id)
    if ConfirmForm().validate_on_submit():
        if event.source != "local":
            flash(_("This event comes from the client's own calendar."), "error")
        else:
            events.cancel(event)
            flash(_("Event cancelled."), "success")
    return redirect(urls["page"])


def _contacts(client: Client) -> list[Contact]:
    return db.session.scalars(
        select(Contact)
        .where(
            Contact.client_id == client.id,
            Contact.archived_at.is_(None),
            Contact.email.is_not(None),
        )
        .order_by(Contact.name)
        .limit(500)
    ).all()


def _number(text) -> int | None:
    text = str(text or "").strip()
    return int(text) if text.isdigit() else None


def _for_item(form: ArrangeForm, client: Client) -> ArrangeForm:
    """A fresh form opened from a desk item (``?item=``) arranges for that item: its
    title to start from."""
    number = _number(request.args.get("item"))
    if number is None:
        return form
    try:
        item = meetings.item_of(client, number)
    except ValidationError:
        return form
    form.item_id.data, form.title.data = str(item.id), item.title
    return form


def _with_contacts(form: ArrangeForm, client: Client) -> ArrangeForm:
    form.contacts.choices = [(c.id, f"{c.name} <{c.email}>") for c in _contacts(client)]
    return form


def arrange(client: Client, urls: dict, template: str, context: dict, user):
    """Offer free times to the participants (the desk's form): the client's contacts
    chosen, and the people typed in."""
    form = _with_contacts(ArrangeForm(), client)
    if form.validate_on_submit():
        chosen = {c.id: c for c in _contacts(client)}
        people = [
            {"email": chosen[i].email, "name": chosen[i].name}
            for i in form.contacts.data or []
            if i in chosen
        ]
        try:
            meetings.propose(
                client,
                {
                    "title": form.title.data,
                    "minutes": form.minutes.data,
                    "from": form.on_or_after.data.isoformat(),
                    "to": form.on_or_before.data.isoformat(),
                    "participants": people + participants_of(form.participants.data),
                    "location": form.location.data or None,
                    "video_url": (form.video_url.data or "").strip() or None,
                    "item_id": _number(form.item_id.data),
                },
                user,
            )
            flash(_("The times are on their way to the participants."), "success")
            return redirect(urls["page"])
        except ValidationError as exc:
            refused(form, exc)
            if "to" in exc.fields:
                form.on_or_before.errors = list(exc.fields["to"])
            form.form_errors += list(exc.fields.get("item_id", []))
            return page(client, urls, template, context, {"arrange": form}), exc.status_code
    return page(client, urls, template, context, {"arrange": form}), 422


def cancel_request(client: Client, request_id: int, urls: dict):
    found = meeting_requests.request_of(client, request_id)
    if ConfirmForm().validate_on_submit():
        meetings.cancel(found)
        flash(_("Meeting cancelled; the participants are told."), "success")
    return redirect(urls["page"])


def connect(client: Client, urls: dict, template: str, context: dict):
    """Connect the client's own calendar server (CalDAV)."""
    form = ConnectionForm()
    if form.validate_on_submit():
        try:
            caldav_sync.connect(
                client,
                {"url": form.url.data, "username": form.username.data,
                 "password": form.password.data or None},
            )  # fmt: skip
            flash(_("Calendar connected: it is read in a moment."), "success")
            return redirect(urls["page"])
        except ValidationError as exc:
            refused(form, exc)
            return page(client, urls, template, context, {"connection": form}), exc.status_code
    return page(client, urls, template, context, {"connection": form}), 422


def connection_action(client: Client, action: str, urls: dict):
    """Sync now, or disconnect, the client's own calendar server."""
    if ConfirmForm().validate_on_submit():
        if action == "disconnect":
            caldav_sync.disconnect(client)
            flash(_("Calendar disconnected."), "success")
        else:
            found = caldav_sync.connection_of(client)
            if found is not None:
                caldav_sync.request_sync(found)
                db.session.commit()
                flash(_("The calendar is read again in a moment."), "success")
    return redirect(urls["page"])


def reschedule(client: Client, request_id: int, urls: dict, template: str, context: dict):
    """Move an arranged meeting (the desk's form beside it)."""
    found = meeting_requests.request_of(client, request_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(urls["page"])
    try:
        starts = wall_clock(request.form.get("starts_at"), "starts_at")
        meetings.reschedule(found, {"starts_at": starts})
        flash(_("Meeting moved; the participants get the new time."), "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(" ".join(m for ms in exc.fields.values() for m in ms) or exc.message, "error")
    return redirect(urls["page"])


def ask_to_move(client: Client, request_id: int, urls: dict, user):
    """The client asks for another time (the portal's button)."""
    found = meeting_requests.request_of(client, request_id)
    if ConfirmForm().validate_on_submit():
        try:
            meetings.ask_to_move(found, user)
            flash(_("Your office will find another time."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(urls["page"])


def save_booking(client: Client, urls: dict, template: str, context: dict):
    """The client's public booking page: on or off, its kinds of meeting, away dates."""
    form = BookingForm()
    if form.validate_on_submit():
        try:
            booking.save(client, booking_data(form))
            flash(_("Booking page saved."), "success")
            return redirect(urls["page"])
        except ValidationError as exc:
            refused(form, exc)
            return page(client, urls, template, context, {"booking": form}), exc.status_code
    return page(client, urls, template, context, {"booking": form}), 422
