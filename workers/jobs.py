"""Job entry points: take ids, set the tenant, call one service."""

from tenants import use_agency
from workers.retries import Gone


def deliver_email(agency_id: int, email_id: int) -> bool:
    from agency.notify.services import deliver

    with use_agency(agency_id):
        return deliver(email_id)


def noop() -> None:
    """Does nothing: used to measure the queue itself."""


def route_item(agency_id: int, item_id: int) -> None:
    from agency.work.routing import route

    with use_agency(agency_id):
        route(item_id)


def backfill(agency_id: int, secretary_id: int) -> None:
    from agency.extensions import db
    from agency.staff.models import Secretary
    from agency.work.routing import backfill as backfill_secretary

    with use_agency(agency_id):
        secretary = db.session.get(Secretary, secretary_id)
        if secretary is None:
            raise Gone(f"secretary {secretary_id} no longer exists")
        backfill_secretary(secretary)
