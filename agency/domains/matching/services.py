"""Which secretaries can serve a client, best first, and why.

Hard constraints exclude: the client's languages at B2 or better, its required
specialities and skills, free client capacity, and working hours that overlap the
client's business hours in a real week (both zones applied, so DST changes count).
Among the rest a score orders them: overlap, free capacity, skills (typing speed,
customer service, training), continuity.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import func, select

from agency.domains.clients.models import Assignment, Client
from agency.domains.staff.models import Secretary
from agency.domains.staff.schedule import days_away, spans_utc
from agency.kernel import clock, labels
from agency.kernel.database import db
from agency.kernel.i18n import language_name
from agency.kernel.validation import CEFR_LEVELS

GOOD_ENOUGH = CEFR_LEVELS.index("B2")


@dataclass
class Match:
    secretary: Secretary
    eligible: bool
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    overlap_minutes: int = 0

    @property
    def summary(self) -> str:
        return " · ".join(self.reasons)


def overlap_minutes(secretary: Secretary, client: Client, week_start: date) -> int:
    away = days_away(secretary.absences)
    theirs = spans_utc(secretary.schedule or {}, secretary.timezone, week_start, away)
    ours = spans_utc(client.business_hours or {}, client.timezone, week_start, set())
    total = timedelta()
    for a_start, a_end in theirs:
        for b_start, b_end in ours:
            total += max(timedelta(), min(a_end, b_end) - max(a_start, b_start))
    return int(total.total_seconds() // 60)


def _level(secretary: Secretary, code: str) -> str | None:
    return next((e["level"] for e in secretary.languages if e["code"] == code), None)


def _load(client: Client) -> dict[int, int]:
    """Active clients per secretary, not counting this client."""
    rows = db.session.execute(
        select(Assignment.secretary_id, func.count(func.distinct(Assignment.client_id)))
        .where(Assignment.ended_at.is_(None), Assignment.client_id != client.id)
        .group_by(Assignment.secretary_id)
    )
    return dict(rows.all())


def _served_before(client: Client) -> set[int]:
    return set(
        db.session.scalars(select(Assignment.secretary_id).where(Assignment.client_id == client.id))
    )


def _skills(match: Match, secretary: Secretary, client: Client) -> None:
    """Typing speed, customer service and training count in the score and are said; a
    skill the client requires, below its level, makes the secretary ineligible."""
    skills = secretary.skills or {}
    for code, minimum in sorted((client.required_skills or {}).items()):
        have = skills.get(code)
        name = labels.label("skill", code).split(",")[0]
        if have is None or have < minimum:
            match.eligible = False
            match.reasons.append(
                _("%(skill)s below %(minimum)d", skill=name, minimum=minimum)
                if have is not None
                else _("no %(skill)s", skill=name)
            )
        else:
            match.reasons.append(
                _(
                    "%(skill)s %(level)d (needs %(minimum)d)",
                    skill=name,
                    level=have,
                    minimum=minimum,
                )
            )
    wpm = skills.get("typing_wpm")
    if wpm:
        match.score += min(wpm, 120) / 120
        match.reasons.append(_("types %(wpm)d words a minute", wpm=wpm))
    service = skills.get("customer_service")
    if service:
        match.score += service / 5
        match.reasons.append(_("customer service %(level)d of 5", level=service))
    others = [v for k, v in skills.items() if k not in ("typing_wpm", "customer_service")]
    if others:
        match.score += sum(others) / len(others) / 10
    courses = [t["name"] for t in secretary.training or () if t.get("name")]
    courses += [
        e["training"]
        for e in secretary.specialities or ()
        if e.get("training") and e.get("code") in client.required_specialities
    ]
    if courses:
        match.score += min(len(courses), 4) / 4
        match.reasons.append(_("trained: %(courses)s", courses=", ".join(courses)))


def evaluate(secretary: Secretary, client: Client, week_start: date, load: int, continuity: bool):
    match = Match(secretary=secretary, eligible=True)
    for code in client.languages:
        level = _level(secretary, code)
        name = language_name(code)
        if level is None or CEFR_LEVELS.index(level) < GOOD_ENOUGH:
            match.eligible = False
            match.reasons.append(_("does not speak %(language)s at B2 or better", language=name))
        else:
            match.reasons.append(
                _("speaks %(language)s natively", language=name)
                if level == "native"
                else _("speaks %(language)s %(level)s", language=name, level=level)
            )
            match.score += CEFR_LEVELS.index(level) - GOOD_ENOUGH
    for code in client.required_specialities:
        speciality = labels.label("speciality", code)
        if code in secretary.speciality_codes:
            match.reasons.append(_("knows %(speciality)s terminology", speciality=speciality))
        else:
            match.eligible = False
            match.reasons.append(_("no %(speciality)s speciality", speciality=speciality))
    _skills(match, secretary, client)
    free = secretary.capacity_clients - load
    if free <= 0:
        match.eligible = False
        match.reasons.append(_("no free capacity (%(load)d clients)", load=load))
    else:
        match.score += 2 * free / max(secretary.capacity_clients, 1)
    if client.business_hours:
        match.overlap_minutes = overlap_minutes(secretary, client, week_start)
        hours = round(match.overlap_minutes / 60, 1)
        if match.overlap_minutes == 0:
            match.eligible = False
            match.reasons.append(_("working hours do not overlap the client's"))
        else:
            match.reasons.append(_("%(hours)s h/week overlap", hours=f"{hours:g}"))
            match.score += hours / 10
    if continuity:
        match.score += 1
        match.reasons.append(_("has served this client before"))
    match.score = round(match.score, 3)
    return match


def rank(client: Client, week_start: date | None = None) -> list[Match]:
    """Every active secretary: the eligible first, best score first; the rest say why not."""
    week_start = week_start or clock.now().astimezone(ZoneInfo(client.timezone)).date()
    load = _load(client)
    before = _served_before(client)
    secretaries = db.session.scalars(
        select(Secretary).where(Secretary.archived_at.is_(None)).order_by(Secretary.name)
    ).all()
    matches = [
        evaluate(s, client, week_start, load.get(s.id, 0), s.id in before) for s in secretaries
    ]
    return sorted(matches, key=lambda m: (not m.eligible, -m.score, m.secretary.name))
