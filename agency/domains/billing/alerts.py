"""At 80 % and 100 % of the available hours (included plus carried over) the client and the
managers are told, once a period: as soon as the time entry that crosses it is written (a
job per client: `hours.services.check_hours_after_commit`), and by the billing run as a
safety net. A jump over both at once tells them once, of the higher."""

from datetime import datetime
from functools import partial

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from agency.domains.accounts.services import active_managers
from agency.domains.billing.ledger import hours_by_client
from agency.domains.billing.models import HoursAlert
from agency.domains.notify.language import queue_email_to
from agency.kernel import clock
from agency.kernel.database import db

THRESHOLDS = (80, 100)


def _newly_crossed(client_id: int, used: dict) -> list[int]:
    """The thresholds crossed and not yet told this period, each now marked told."""
    crossed = []
    for threshold in THRESHOLDS:
        if used["percent_used"] < threshold:
            continue
        alert = HoursAlert(
            client_id=client_id, period_start=used["period_start"], threshold=threshold
        )
        try:
            with db.session.begin_nested():
                db.session.add(alert)
        except IntegrityError:
            continue
        crossed.append(threshold)
    return crossed


def _alert(client, used: dict, threshold: int) -> tuple[str, str]:
    subject = _(
        "%(client)s has used %(percent)s%% of the included hours",
        client=client.name,
        percent=threshold,
    )
    body = _(
        "%(client)s has used %(used)s of %(available)s available minutes (included "
        "and carried over) in the period that started on %(start)s.",
        client=client.name,
        used=used["used_minutes"],
        available=used["available_minutes"],
        start=format_date(used["period_start"]),
    )
    if threshold == 100 and used["overage_needs_approval"]:
        body += "\n\n" + _(
            "More work this period needs the client's approval of extra hours, given in the portal."
        )
    return subject, body


def send_due(now: datetime | None = None, client_ids: list[int] | None = None) -> int:
    """Email every threshold newly crossed this period (of ``client_ids``, when given):
    one email per client, of the highest; returns how many alerts went out."""

    now = now or clock.now()
    sent = 0
    managers = None
    for client, used in hours_by_client(now, client_ids):
        if not used["available_minutes"]:
            continue
        crossed = _newly_crossed(client.id, used)
        if crossed:
            threshold = max(crossed)
            if managers is None:
                managers = [manager.email for manager in active_managers()]
            for address in [client.email, *managers]:
                if address:
                    queue_email_to(
                        address, partial(_alert, client, used, threshold), purpose="hours_alert"
                    )
            sent += 1
    db.session.commit()
    return sent
