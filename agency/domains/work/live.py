"""What a change to work tells the live pages (`agency.kernel.live`): the topics of a work
item are its client's and its assignees', before and after; a desk listens to the
clients its team serves and to its team's secretaries, which is what it shows."""

from dataclasses import dataclass

from sqlalchemy import inspect, or_, select

from agency.domains.clients.models import Assignment
from agency.domains.staff.models import Secretary
from agency.domains.work.models import WorkItem
from agency.kernel import live, publishing
from agency.kernel.database import db


def client_topic(client_id: int) -> str:
    return f"c:{client_id}"


def secretary_topic(secretary_id: int) -> str:
    return f"s:{secretary_id}"


def call_topic(client_id: int) -> str:
    """A client's calls: one rings, is answered, ends."""
    return f"call:{client_id}"


def touch(client_id: int | None, *secretary_ids: int | None) -> None:
    """The work of this client (and these secretaries) changed, once this commits."""
    topics = [secretary_topic(s) for s in secretary_ids if s is not None]
    if client_id is not None:
        topics.append(client_topic(client_id))
    live.touch(*topics)


def publish_now(agency_id: int, client_id: int, *secretary_ids: int) -> None:
    """The same, for a change already committed outside the session (the claim)."""
    publishing.publish_later(
        agency_id, [client_topic(client_id), *map(secretary_topic, secretary_ids)]
    )


def touch_many(client_ids, secretary_ids) -> None:
    live.touch(*(client_topic(c) for c in client_ids), *(secretary_topic(s) for s in secretary_ids))


def touch_item(item: WorkItem, *secretary_ids: int | None) -> None:
    """``item`` changed: its client's and assignee's desks, and its assignee's before
    this change when the session still knows it, should show it anew."""
    state = inspect(item)
    earlier = ()
    if not state.transient and "assignee_id" not in state.unloaded:
        earlier = state.attrs.assignee_id.history.deleted or ()
    touch(item.client_id, item.assignee_id, *earlier, *secretary_ids)


def scope_changed() -> None:
    """Who serves whom, or who leads whom, changed: every desk reads its topics again."""
    live.touch(live.SCOPE)


@dataclass(frozen=True)
class DeskScope:
    """What a secretary's desk shows: her team's work (her own, and her assistants' if
    she leads a team), all work of the clients the team serves, and the calls of the
    clients she serves herself."""

    team: tuple[int, ...]
    clients: tuple[int, ...]
    calls: tuple[int, ...]

    def topics(self) -> list[str]:
        topics = {secretary_topic(s) for s in self.team}
        topics.update(client_topic(c) for c in self.clients)
        topics.update(call_topic(c) for c in self.calls)
        return sorted(topics)


def desk_scope(secretary: Secretary) -> DeskScope:
    team = sorted(
        db.session.scalars(
            select(Secretary.id).where(
                or_(Secretary.id == secretary.id, Secretary.team_lead_id == secretary.id)
            )
        )
    )
    served = db.session.execute(
        select(Assignment.client_id, Assignment.secretary_id).where(
            Assignment.secretary_id.in_(team), Assignment.ended_at.is_(None)
        )
    ).all()
    return DeskScope(
        team=tuple(team),
        clients=tuple(sorted({c for c, _ in served})),
        # Calls ring the secretaries who serve the client themselves.
        calls=tuple(sorted({c for c, s in served if s == secretary.id})),
    )
