"""The reviewer desk's queries and actions: the queue, what the reviewer sees of one
application, assignment, reason templates and decisions.

Views in :mod:`onboard.web.desk` only route; what is decided and stored is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, func, select

from onboard import audit, repository
from onboard.bounds import bounded_int
from onboard.eligibility.ruleset import RuleSet
from onboard.extensions import db
from onboard.models import (
    ApplicationRecord,
    AuditEvent,
    Decision,
    OutboxEmail,
    ReasonTemplate,
    UserAccount,
)

#: What a reviewer can decide, and the state each leaves the application in.
OUTCOMES = ("approved", "rejected", "changes_requested")
#: States the queue shows (drafts are the applicant's business).
QUEUE_STATES = ("submitted", "changes_requested", "rejected", "approved")
VERDICTS = ("review", "ineligible", "incomplete", "eligible")
SORTS = ("priority", "oldest", "newest")
PAGE_SIZE = 50


class DecisionError(ValueError):
    """A decision that cannot be taken as asked (the message says why)."""


# --- the queue -----------------------------------------------------------------------------


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@dataclass
class QueueFilter:
    """The queue's filters and sort, read from a query string (unknown values are ignored)."""

    status: str = "submitted"
    verdict: str = ""
    platform: str = ""
    region: str = ""
    agency: str = ""
    assignee: str = ""  # "", "me", "none"
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "priority"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> QueueFilter:
        def one_of(name: str, allowed: Iterable[str], default: str = "") -> str:
            value = args.get(name, default)
            return value if value in allowed else default

        return cls(
            status=one_of("status", (*QUEUE_STATES, "all"), "submitted"),
            verdict=one_of("verdict", VERDICTS),
            platform=args.get("platform", "")[:20],
            region=one_of("region", ("CN", "HK")),
            agency=str(bounded_int(args.get("agency"), "agency", 0, low=1) or ""),
            assignee=one_of("assignee", ("me", "none")),
            date_from=_day(args.get("from")),
            date_to=_day(args.get("to")),
            sort=one_of("sort", SORTS, "priority"),
            page=bounded_int(args.get("page"), "page", 1, low=1),
        )

    def args(self, **changes: Any) -> dict[str, str]:
        """The query string of this filter with ``changes`` (for links and pages)."""
        values = {
            "status": self.status,
            "verdict": self.verdict,
            "platform": self.platform,
            "region": self.region,
            "agency": self.agency,
            "assignee": self.assignee,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "sort": self.sort,
            "page": str(self.page),
        }
        values.update({k: str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v and not (k == "page" and v == "1")}


@dataclass
class QueueRow:
    public_id: str
    company: str
    state: str
    verdict: str | None
    platform: str | None
    region: str | None
    license_masked: str
    submitted_at: datetime | None
    version: int
    assignee: str | None
    near_miss: bool
    needs_review: bool


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    counts: dict[str, int]
    filters: QueueFilter
    pages: int = 1


def _filtered(filters: QueueFilter, me: UserAccount | None) -> Select[Any]:
    query = select(ApplicationRecord).where(ApplicationRecord.state.in_(QUEUE_STATES))
    conditions = []
    if filters.status != "all":
        conditions.append(ApplicationRecord.state == filters.status)
    if filters.verdict:
        conditions.append(ApplicationRecord.verdict == filters.verdict)
    if filters.platform:
        conditions.append(ApplicationRecord.platform == filters.platform)
    if filters.region:
        conditions.append(ApplicationRecord.region == filters.region)
    if filters.agency:
        conditions.append(ApplicationRecord.agency_id == int(filters.agency))
    if filters.assignee == "none":
        conditions.append(ApplicationRecord.assignee_id.is_(None))
    elif filters.assignee == "me" and me is not None:
        conditions.append(ApplicationRecord.assignee_id == me.id)
    if filters.date_from:
        conditions.append(
            ApplicationRecord.submitted_at >= datetime.combine(filters.date_from, time())
        )
    if filters.date_to:
        end = datetime.combine(filters.date_to + timedelta(days=1), time())
        conditions.append(ApplicationRecord.submitted_at < end)
    return query.where(*conditions)


def _ordered(query: Select[Any], sort: str) -> Select[Any]:
    if sort == "oldest":
        return query.order_by(ApplicationRecord.submitted_at, ApplicationRecord.id)
    if sort == "newest":
        return query.order_by(ApplicationRecord.submitted_at.desc(), ApplicationRecord.id.desc())
    return query.order_by(
        ApplicationRecord.priority, ApplicationRecord.submitted_at, ApplicationRecord.id
    )


def counts_by_state() -> dict[str, int]:
    rows = db.session.execute(
        select(ApplicationRecord.state, func.count()).group_by(ApplicationRecord.state)
    ).all()
    counts = dict.fromkeys(("draft", *QUEUE_STATES), 0)
    counts.update({row[0]: row[1] for row in rows})
    return counts


def queue(filters: QueueFilter, me: UserAccount | None = None) -> QueuePage:
    """One page of the queue: near misses and those needing review first by default."""
    query = _filtered(filters, me)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    records = db.session.scalars(
        _ordered(query, filters.sort).limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)
    ).all()
    names = _user_names({r.assignee_id for r in records if r.assignee_id})
    rows = [
        QueueRow(
            public_id=r.public_id,
            company=str((r.data.get("entity") or {}).get("company_name") or ""),
            state=r.state,
            verdict=r.verdict,
            platform=r.platform,
            region=r.region,
            license_masked=audit.mask(r.license_number),
            submitted_at=r.submitted_at,
            version=r.version,
            assignee=names.get(r.assignee_id) if r.assignee_id else None,
            near_miss=r.priority == 1,
            needs_review=r.priority == 0,
        )
        for r in records
    ]
    pages = max(1, -(-total // PAGE_SIZE))
    return QueuePage(rows, total, counts_by_state(), filters, pages)


def _user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(UserAccount.id, UserAccount.name).where(UserAccount.id.in_(ids))
    )
    return {row[0]: row[1] for row in rows}


def reviewers() -> list[UserAccount]:
    return list(
        db.session.scalars(
            select(UserAccount).where(UserAccount.active.is_(True)).order_by(UserAccount.name)
        )
    )


# --- one application -----------------------------------------------------------------------


@dataclass
class Change:
    field: str
    before: Any
    after: Any


@dataclass
class VersionView:
    number: int
    submitted_at: datetime
    changes: list[Change] = field(default_factory=list)


def history(record: ApplicationRecord) -> list[VersionView]:
    """Every submitted version, newest first, with what changed since the one before it."""
    views: list[VersionView] = []
    previous: dict[str, Any] = {}
    for version in record.versions:
        now = repository.flatten(version.data)
        now.update({f"documents.{k}": v[:12] for k, v in version.documents.items()})
        changes = (
            [
                Change(name, previous.get(name), now.get(name))
                for name in sorted(set(previous) | set(now))
                if previous.get(name) != now.get(name)
            ]
            if version.number > 1
            else []
        )
        views.append(VersionView(version.number, version.submitted_at, changes))
        previous = now
    return list(reversed(views))


@dataclass
class Linked:
    field: str
    public_id: str
    submitted_on: date | None


def duplicates(record: ApplicationRecord) -> list[Linked]:
    """The other live applications that share a unique value with this one, now."""
    return [
        Linked(name, dup.application_id, dup.submitted_on)
        for name, dups in repository.find_duplicates(record).items()
        for dup in dups
    ]


def decisions(record: ApplicationRecord) -> list[Decision]:
    return list(
        db.session.scalars(
            select(Decision)
            .where(Decision.application_id == record.id)
            .order_by(Decision.id.desc())
        )
    )


def last_decision(record: ApplicationRecord) -> Decision | None:
    return db.session.scalar(
        select(Decision).where(Decision.application_id == record.id).order_by(Decision.id.desc())
    )


def viewed(record: ApplicationRecord, what: str = "application") -> None:
    """A reviewer saw this application's personal data (or one of its documents)."""
    audit.record("viewed", record, what=what, license_number=record.license_number or "")


def assign(record: ApplicationRecord, assignee: UserAccount | None) -> None:
    before = record.assignee_id
    record.assignee_id = assignee.id if assignee is not None else None
    audit.record(
        "assigned",
        record,
        before=before,
        after=record.assignee_id,
        to=assignee.email if assignee is not None else None,
    )


# --- reason templates ----------------------------------------------------------------------


def seed_reason_templates(ruleset: RuleSet) -> int:
    """One template per rule code that has none yet, from the rule's title; admins reword
    them on the desk. Returns how many were added."""
    have = set(db.session.scalars(select(ReasonTemplate.key)))
    added = 0
    for rule in ruleset.rules:
        if rule.code in have:
            continue
        db.session.add(
            ReasonTemplate(
                key=rule.code,
                code=rule.code,
                text_en=f"Not met: {rule.title.get('en', rule.code)}.",
                text_zh=f"未满足：{rule.title.get('zh', rule.code)}。",
            )
        )
        added += 1
    db.session.flush()
    return added


def reason_templates(*, active_only: bool = True) -> list[ReasonTemplate]:
    query = select(ReasonTemplate).order_by(ReasonTemplate.code, ReasonTemplate.id)
    if active_only:
        query = query.where(ReasonTemplate.active.is_(True))
    return list(db.session.scalars(query))


def save_reason_template(
    template: ReasonTemplate | None,
    *,
    code: str,
    text_en: str,
    text_zh: str,
    active: bool,
    by: UserAccount,
    ruleset: RuleSet,
) -> ReasonTemplate:
    """Create (``template`` None) or reword a template; both languages are required."""
    text_en, text_zh = text_en.strip(), text_zh.strip()
    if code not in ruleset.codes:
        raise DecisionError(f"unknown rule code {code}")
    if not text_en or not text_zh:
        raise DecisionError("a reason needs its English and its Chinese text")
    if template is None:
        count = db.session.scalar(select(func.count()).select_from(ReasonTemplate)) or 0
        template = ReasonTemplate(key=f"{code}#{count + 1}", code=code)
        db.session.add(template)
    template.code = code
    template.text_en, template.text_zh = text_en[:2000], text_zh[:2000]
    template.active = active
    template.updated_by_id = by.id
    db.session.flush()
    audit.record("reason_template", template=template.key, code=code, active=active)
    return template


# --- decisions -----------------------------------------------------------------------------


def decide(
    record: ApplicationRecord,
    outcome: str,
    *,
    reviewer: UserAccount,
    reason_ids: Iterable[int] = (),
    comment: str = "",
    note: str = "",
) -> tuple[Decision, str | None]:
    """Record a decision on the current version and move the application on.

    A rejection or a request for changes needs at least one reason or a comment, and hands
    back a fresh private link (the second element) for the applicant to correct and submit
    again; a rejection also frees the application's unique values for others.
    """
    if outcome not in OUTCOMES:
        raise DecisionError(f"unknown outcome {outcome}")
    if record.state != "submitted":
        raise DecisionError(f"application {record.public_id} is {record.state}, not submitted")
    ids = {int(i) for i in reason_ids}
    templates = [t for t in reason_templates() if t.id in ids]
    comment, note = comment.strip()[:5000], note.strip()[:5000]
    if outcome != "approved" and not templates and not comment:
        raise DecisionError("give at least one reason or a comment for the applicant")
    decision = Decision(
        application_id=record.id,
        version=record.version,
        outcome=outcome,
        reasons=[{"code": t.code, "en": t.text_en, "zh": t.text_zh} for t in templates],
        comment=comment,
        note=note,
        reviewer_id=reviewer.id,
    )
    db.session.add(decision)
    record.state = outcome
    token = None
    if outcome != "approved":
        token = repository.issue_resume_token(record)
    if outcome == "rejected":
        repository.release_live_values(record)
    db.session.flush()
    audit.record(
        "decided",
        record,
        outcome=outcome,
        version=record.version,
        reasons=[t.code for t in templates],
    )
    return decision, token


# --- outbox and audit log ------------------------------------------------------------------


def outbox(limit: int = 100) -> list[OutboxEmail]:
    return list(
        db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit))
    )


def audit_events(
    limit: int = 200, application: ApplicationRecord | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if application is not None:
        query = query.where(AuditEvent.application_id == application.id)
    return list(db.session.scalars(query))
