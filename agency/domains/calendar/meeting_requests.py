"""Reading meeting requests: a client's, an item's, one of a client's, and its view."""

from sqlalchemy import select

from agency.domains.calendar.models import MeetingRequest
from agency.domains.clients.models import Client
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from agency.kernel.errors import NotFound


def requests_of(client: Client) -> list[MeetingRequest]:
    return db.session.scalars(
        select(MeetingRequest)
        .where(MeetingRequest.client_id == client.id)
        .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
        .limit(100)
    ).all()


def requests_of_item(item: WorkItem) -> list[MeetingRequest]:
    return db.session.scalars(
        select(MeetingRequest)
        .where(MeetingRequest.item_id == item.id)
        .order_by(MeetingRequest.id.desc())
    ).all()


def request_of(client: Client, request_id) -> MeetingRequest:
    found = db.session.scalar(
        select(MeetingRequest).where(
            MeetingRequest.id == request_id, MeetingRequest.client_id == client.id
        )
    )
    if found is None:
        raise NotFound()
    return found


def view(request: MeetingRequest) -> dict:
    return {
        "id": request.id,
        "client_id": request.client_id,
        "title": request.title,
        "minutes": request.minutes,
        "location": request.location,
        "video_url": request.video_url,
        "offered": request.offered,
        "status": request.status,
        "event_id": request.event_id,
        "item_id": request.item_id,
        "created_at": request.created_at,
        "decided_at": request.decided_at,
        "participants": [
            {
                "email": i.email,
                "name": i.name,
                "answer": i.answer,
                "picked_start": i.picked_start,
                "timezone": i.timezone,
            }
            for i in request.invitees
        ],
    }
