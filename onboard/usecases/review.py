"""The reviewer desk's queries and actions: the queue, what the reviewer sees of one
application, assignment, reason templates and decisions.

Views in :mod:`onboard.web.desk` only route; what is decided and stored is decided here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from onboard import audit, repository
from onboard.bounds import bounded_int
from onboard.eligibility.ruleset import RuleSet, default_ruleset
from onboard.errors import Words
from onboard.extensions import db
from onboard.models import (
    ApplicationRecord,
    AuditEvent,
    ChecklistMark,
    Decision,
    DeskSetting,
    OutboxEmail,
    ReasonTemplate,
    SavedFilter,
    UserAccount,
    utcnow,
)
from onboard.usecases import applications

#: What a reviewer can decide, and the state each leaves the application in.
OUTCOMES = ("approved", "rejected", "changes_requested")
#: States the queue shows (drafts are the applicant's business).
QUEUE_STATES = ("submitted", "changes_requested", "rejected", "approved")
VERDICTS = ("review", "ineligible", "incomplete", "eligible")
SORTS = ("priority", "oldest", "newest")
#: Verdicts an approval overrides, and the verdict a rejection overrides.
APPROVAL_OVERRIDES = ("ineligible", "incomplete")
REJECTION_OVERRIDES = ("eligible",)
#: The desk's settings an admin can change, with their defaults.
SETTINGS: dict[str, Any] = {"four_eyes": False}
PAGE_SIZE = 50


class DecisionError(ValueError):
    """A decision that cannot be taken as asked (the message says why)."""


_NOT_OFFERED = "没有此选项：请刷新页面后重试。"
UNKNOWN_SETTING = Words("unknown setting {key}", _NOT_OFFERED)
UNKNOWN_ITEM = Words("unknown checklist item {item}", _NOT_OFFERED)
TICKED_OR_FAILED = Words("a checklist item is ticked or failed, not {status}", _NOT_OFFERED)
UNKNOWN_OUTCOME = Words("unknown outcome {outcome}", _NOT_OFFERED)
UNKNOWN_CODE = Words(
    "unknown rule code or checklist item {code}",
    "“{code}”既不是规则编号，也不是核对项：请从列表中选择。",
)


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
    pending: bool = False

    @property
    def waiting_days(self) -> int | None:
        """Whole days since the version was submitted (the queue's age column)."""
        if self.submitted_at is None:
            return None
        return max(0, (utcnow() - self.submitted_at).days)


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
    # Up to the end of the ``to`` day; the last day there is (9999-12-31) has no next day
    # to stop before, and nothing is submitted after it.
    if filters.date_to and filters.date_to < date.max:
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
    waiting = _pending_ids([r.id for r in records])
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
            pending=r.id in waiting,
        )
        for r in records
    ]
    pages = max(1, -(-total // PAGE_SIZE))
    return QueuePage(rows, total, counts_by_state(), filters, pages)


def _pending_ids(ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Decision.application_id).where(
                Decision.application_id.in_(ids), Decision.pending.is_(True)
            )
        )
    )


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
    """Another live application that uses one of this one's unique values. ``holder`` says
    which side keeps the value: when the other holds it, this application is its duplicate
    (its check fails); when this one holds it, the other is flagged, not this one."""

    field: str
    public_id: str
    submitted_on: date | None
    holder: str  # "other" (this one is the duplicate) or "this"


def duplicates(record: ApplicationRecord) -> list[Linked]:
    """Every other live application sharing a unique value with this one, now, and which
    side holds it (the one truth of :func:`onboard.repository.find_duplicates`)."""
    held = repository.holders(record)
    found = []
    for name, others in repository.sharing(record).items():
        for other in others:
            found.append(
                Linked(
                    name,
                    other.public_id,
                    other.submitted_at.date() if other.submitted_at else None,
                    "other" if held.get(name) == other.id else "this",
                )
            )
    return sorted(found, key=lambda link: (link.holder != "other", link.field, link.public_id))


def decisions(record: ApplicationRecord) -> list[Decision]:
    return list(
        db.session.scalars(
            select(Decision)
            .where(Decision.application_id == record.id)
            .order_by(Decision.id.desc())
        )
    )


def last_decision(record: ApplicationRecord) -> Decision | None:
    """The last decision that took effect (not one waiting for, or declined by, a second
    reviewer)."""
    return db.session.scalar(
        select(Decision)
        .where(
            Decision.application_id == record.id,
            Decision.pending.is_(False),
            Decision.second_outcome.is_distinct_from("declined"),
        )
        .order_by(Decision.id.desc())
    )


def viewed(record: ApplicationRecord, what: str = "application") -> None:
    """A reviewer saw this application's personal data (or one of its documents)."""
    audit.record("viewed", record, what=what, license_number=record.license_number or "")


def assign(record: ApplicationRecord, assignee: UserAccount | None) -> None:
    """Give the application to ``assignee`` (None: nobody). It stays theirs through every
    resubmission until someone reassigns it."""
    before = record.assignee_id
    record.assignee_id = assignee.id if assignee is not None else None
    audit.record(
        "assigned",
        record,
        before=before,
        after=record.assignee_id,
        to=assignee.email if assignee is not None else None,
    )


def assign_many(public_ids: Iterable[str], assignee: UserAccount | None) -> int:
    """Assign several queue rows at once; unknown ids and drafts are skipped. How many."""
    wanted = list(dict.fromkeys(str(p) for p in public_ids))[:PAGE_SIZE]
    if not wanted:
        return 0
    records = db.session.scalars(
        select(ApplicationRecord).where(
            ApplicationRecord.public_id.in_(wanted), ApplicationRecord.state.in_(QUEUE_STATES)
        )
    ).all()
    for record in records:
        assign(record, assignee)
    return len(records)


# --- saved filters -------------------------------------------------------------------------


def saved_filters(user: UserAccount) -> list[SavedFilter]:
    return list(
        db.session.scalars(
            select(SavedFilter).where(SavedFilter.user_id == user.id).order_by(SavedFilter.name)
        )
    )


def save_filter(user: UserAccount, name: str, filters: QueueFilter) -> SavedFilter:
    """Keep ``filters`` under ``name`` for ``user`` (the same name replaces it)."""
    name = " ".join(name.split())[:80]
    if not name:
        raise DecisionError(_("a saved filter needs a name"))
    query = urlencode(filters.args(page=1))
    saved = db.session.scalar(
        select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name)
    )
    if saved is None:
        saved = SavedFilter(user_id=user.id, name=name, query=query)
        db.session.add(saved)
    saved.query = query
    db.session.flush()
    return saved


def filter_args(saved: SavedFilter) -> dict[str, str]:
    """The query of a saved filter, read back through :class:`QueueFilter` (whatever was
    stored, only what the queue understands comes out)."""
    return QueueFilter.from_args(dict(parse_qsl(saved.query))).args()


def delete_filter(user: UserAccount, filter_id: int) -> bool:
    saved = db.session.get(SavedFilter, filter_id)
    if saved is None or saved.user_id != user.id:
        return False
    db.session.delete(saved)
    return True


# --- desk settings -------------------------------------------------------------------------


def setting(key: str) -> Any:
    row = db.session.get(DeskSetting, key)
    return SETTINGS[key] if row is None else row.value


def change_setting(key: str, value: Any, by: UserAccount) -> None:
    if key not in SETTINGS:
        raise DecisionError(UNKNOWN_SETTING(key=key))
    row = db.session.get(DeskSetting, key)
    before = SETTINGS[key] if row is None else row.value
    if row is None:
        row = DeskSetting(key=key, value=value)
        db.session.add(row)
    row.value = value
    row.updated_by_id = by.id
    audit.record("setting_changed", key=key, before=before, after=value)
    db.session.flush()


# --- the checklist: what no rule can judge -------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    """One manual check from the guide, for the reviewer to tick or fail with a note.

    ``documents`` are the kinds the reviewer looks at for it (those the application must
    have); ``platforms`` limits the item (None: every platform), read from the rule set
    where the guide ties the item to a document."""

    key: str
    section: str
    text: Mapping[str, str]
    documents: tuple[str, ...] = ()
    platforms: frozenset[str] | None = None


#: The guide's items no rule can judge (RULES.md §1, §3.5; the guide §1, §3.5).
CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        "manual.business_scope",
        "§1",
        {
            "en": "The license's business scope covers the categories the seller sells.",
            "zh": "营业执照的经营范围覆盖商家所售商品类目的经营活动。",
        },
        ("business_license", "hk_business_registration"),
    ),
    ChecklistItem(
        "manual.screenshot_details",
        "§3.5",
        {
            "en": "Every store screenshot clearly shows the system date and time, the store "
            "link and the store name.",
            "zh": "每张店铺截图都清楚显示系统日期和时间、店铺链接、店铺名称。",
        },
        (
            "gmv_screenshot",
            "supply_record",
            "seller_info_screenshot",
            "account_health_screenshot",
            "trustpilot_screenshot",
            "social_followers_screenshot",
        ),
    ),
    ChecklistItem(
        "manual.seller_info_company",
        "§3.5",
        {
            "en": "The seller-information screenshot shows the full registered company "
            "information of the store (Amazon: the Seller Information page).",
            "zh": "店铺账户信息/商家信息截图显示该店铺完整的注册公司信息"
            "（Amazon 店铺为卖家信息页面）。",
        },
        ("seller_info_screenshot",),
    ),
    ChecklistItem(
        "manual.gmv_12_months",
        "§3.5",
        {
            "en": "The GMV screenshot covers the store's last 12 months.",
            "zh": "GMV 截图覆盖该店铺过去 12 个月的商品交易总额。",
        },
        ("gmv_screenshot",),
    ),
)
CHECKLIST_KEYS = frozenset(item.key for item in CHECKLIST)
MARKS = ("ok", "fail")


def checklist_for(record: ApplicationRecord, ruleset: RuleSet) -> list[ChecklistItem]:
    """The items that apply to this application: an item tied to documents applies when
    the application must have one of them (so the GMV item follows the rule set's list of
    platforms that need a GMV screenshot)."""
    required = {kind.kind for kind in ruleset.documents_required(record.region, record.platform)}
    items = []
    for item in CHECKLIST:
        documents = tuple(kind for kind in item.documents if kind in required)
        if item.documents and not documents:
            continue
        items.append(ChecklistItem(item.key, item.section, item.text, documents, item.platforms))
    return items


def checklist_marks(record: ApplicationRecord) -> dict[str, ChecklistMark]:
    """This version's marks, by item."""
    rows = db.session.scalars(
        select(ChecklistMark).where(
            ChecklistMark.application_id == record.id, ChecklistMark.version == record.version
        )
    )
    return {row.item: row for row in rows}


def mark_item(
    record: ApplicationRecord, item: str, status: str, note: str, *, reviewer: UserAccount
) -> ChecklistMark:
    """Tick (``ok``) or fail one checklist item of the current version, with a note; a
    failed item needs its note (the applicant hears of it through a reason)."""
    if item not in CHECKLIST_KEYS:
        raise DecisionError(UNKNOWN_ITEM(item=item))
    if status not in MARKS:
        raise DecisionError(TICKED_OR_FAILED(status=status))
    if record.state != "submitted":
        raise DecisionError(_("application %(id)s is not waiting for review", id=record.public_id))
    note = note.strip()[:2000]
    if status == "fail" and not note:
        raise DecisionError(_("say in a note what the failed item lacks"))
    row = checklist_marks(record).get(item)
    if row is None:
        row = ChecklistMark(application_id=record.id, version=record.version, item=item)
        db.session.add(row)
    row.status, row.note, row.reviewer_id = status, note, reviewer.id
    db.session.flush()
    audit.record("checklist", record, item=item, status=status, version=record.version)
    return row


# --- reason templates ----------------------------------------------------------------------


def seed_reason_templates(ruleset: RuleSet) -> int:
    """One template per rule code and per checklist item that has none yet, from the rule's
    title or the item's text; admins reword them on the desk. Returns how many were added."""
    have = set(db.session.scalars(select(ReasonTemplate.key)))
    wanted = [
        (item.key, f"Not met: {item.text['en']}", f"未满足：{item.text['zh']}")
        for item in CHECKLIST
    ] + [
        (
            rule.code,
            f"Not met: {rule.title.get('en', rule.code)}.",
            f"未满足：{rule.title.get('zh', rule.code)}。",
        )
        for rule in ruleset.rules
    ]
    added = 0
    for key, text_en, text_zh in wanted:
        if key in have:
            continue
        db.session.add(ReasonTemplate(key=key, code=key, text_en=text_en, text_zh=text_zh))
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
    if code not in ruleset.codes and code not in CHECKLIST_KEYS:
        raise DecisionError(UNKNOWN_CODE(code=code))
    if not text_en or not text_zh:
        raise DecisionError(_("a reason needs its English and its Chinese text"))
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


@dataclass
class Override:
    """What a decision would go against: the verdict, the checks that fail or lack
    something, and the checklist items not ticked. Empty when the decision follows them."""

    outcome: str
    verdict: str | None = None
    checks: list[str] = field(default_factory=list)
    checklist: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.verdict or self.checklist)

    def to_dict(self, reason: str) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "checks": self.checks,
            "checklist": self.checklist,
            "reason": reason,
        }


def override_of(record: ApplicationRecord, outcome: str, ruleset: RuleSet) -> Override:
    """What ``outcome`` would override on this application as it stands: approving an
    ``ineligible`` or ``incomplete`` verdict or with checklist items not ticked; rejecting
    an ``eligible`` one."""
    found = Override(outcome)
    evaluation = record.evaluations[-1] if record.evaluations else None
    if outcome == "approved":
        if record.verdict in APPROVAL_OVERRIDES:
            found.verdict = record.verdict
            found.checks = sorted(
                {
                    c.code
                    for c in (evaluation.checks if evaluation else [])
                    if c.status in ("fail", "missing")
                }
            )
        marks = checklist_marks(record)
        found.checklist = [
            item.key
            for item in checklist_for(record, ruleset)
            if item.key not in marks or marks[item.key].status != "ok"
        ]
    elif outcome == "rejected" and record.verdict in REJECTION_OVERRIDES:
        found.verdict = record.verdict
    return found


def pending_decision(record: ApplicationRecord) -> Decision | None:
    """An override approval waiting for its second reviewer (four eyes)."""
    return db.session.scalar(
        select(Decision).where(Decision.application_id == record.id, Decision.pending.is_(True))
    )


@dataclass
class Outcome:
    """What :func:`decide` did: the decision, and ``token`` (a fresh private link for the
    applicant) when the applicant is to be told now; ``waiting`` when a second reviewer must
    confirm it first (nothing is sent, nothing changes for the applicant yet)."""

    decision: Decision
    token: str | None = None
    waiting: bool = False


def decide(
    record: ApplicationRecord,
    outcome: str,
    *,
    reviewer: UserAccount,
    ruleset: RuleSet | None = None,
    reason_ids: Iterable[int] = (),
    comment: str = "",
    note: str = "",
    override_reason: str = "",
) -> Outcome:
    """Record a decision on the current version and move the application on.

    A rejection or a request for changes needs at least one reason or a comment, and hands
    back a fresh private link for the applicant to correct and submit again; a rejection
    also frees the application's unique values for others. A decision against the verdict
    or past unticked checklist items (:func:`override_of`) needs ``override_reason``; it is
    kept on the decision and in the audit log. With the ``four_eyes`` setting such an
    approval waits for a second reviewer (:func:`confirm`).
    """
    if outcome not in OUTCOMES:
        raise DecisionError(UNKNOWN_OUTCOME(outcome=outcome))
    if record.state != "submitted":
        raise DecisionError(_("application %(id)s is not waiting for review", id=record.public_id))
    if pending_decision(record) is not None:
        raise DecisionError(_("an approval waits for a second reviewer to confirm it"))
    ids = {int(i) for i in reason_ids}
    templates = [t for t in reason_templates() if t.id in ids]
    comment, note = comment.strip()[:5000], note.strip()[:5000]
    override_reason = override_reason.strip()[:5000]
    if outcome != "approved" and not templates and not comment:
        raise DecisionError(_("give at least one reason or a comment for the applicant"))
    against = override_of(record, outcome, ruleset or default_ruleset())
    if against and not override_reason:
        raise DecisionError(
            _("this decision goes against the verdict or the checklist: give the reason")
        )
    waiting = bool(against) and outcome == "approved" and bool(setting("four_eyes"))
    decision = Decision(
        application_id=record.id,
        version=record.version,
        outcome=outcome,
        reasons=[{"code": t.code, "en": t.text_en, "zh": t.text_zh} for t in templates],
        comment=comment,
        note=note,
        reviewer_id=reviewer.id,
        override=against.to_dict(override_reason) if against else None,
        pending=waiting,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        "decided",
        record,
        outcome=outcome,
        version=record.version,
        reasons=[t.code for t in templates],
        override=decision.override,
        pending=waiting,
    )
    if waiting:
        return Outcome(decision, waiting=True)
    return Outcome(decision, _take_effect(record, decision))


def _take_effect(record: ApplicationRecord, decision: Decision) -> str | None:
    record.state = decision.outcome
    token = None
    if decision.outcome != "approved":
        token = repository.issue_resume_token(record)
    if decision.outcome == "rejected":
        applications.release_values(record)
    db.session.flush()
    return token


def confirm(
    record: ApplicationRecord, *, reviewer: UserAccount, confirmed: bool, note: str = ""
) -> Outcome:
    """The second reviewer confirms (the approval takes effect) or declines (the application
    waits for a decision again) an override approval. The first reviewer cannot."""
    decision = pending_decision(record)
    if decision is None or record.state != "submitted":
        raise DecisionError(_("no approval waits for confirmation"))
    if decision.reviewer_id == reviewer.id:
        raise DecisionError(_("a second reviewer must confirm an approval against the verdict"))
    note = note.strip()[:5000]
    if not confirmed and not note:
        raise DecisionError(_("say in a note why the approval is declined"))
    decision.pending = False
    decision.second_reviewer_id = reviewer.id
    decision.second_outcome = "confirmed" if confirmed else "declined"
    decision.second_at = utcnow()
    if note:
        decision.note = (decision.note + "\n" if decision.note else "") + note
    audit.record(
        "second_review",
        record,
        outcome=decision.second_outcome,
        decision=decision.id,
        version=decision.version,
    )
    db.session.flush()
    if not confirmed:
        return Outcome(decision)
    return Outcome(decision, _take_effect(record, decision))


# --- outbox and audit log ------------------------------------------------------------------


def outbox(limit: int = 100) -> list[OutboxEmail]:
    return list(
        db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(limit))
    )


def public_ids(events: Iterable[AuditEvent]) -> dict[int, tuple[str, bool]]:
    """The public ids (``A-…``) of the applications ``events`` name, by database id, and
    whether the desk can open each (not a draft): the log shows and links those, never the
    internal number."""
    ids = {event.application_id for event in events if event.application_id}
    if not ids:
        return {}
    rows = db.session.execute(
        select(ApplicationRecord.id, ApplicationRecord.public_id, ApplicationRecord.state).where(
            ApplicationRecord.id.in_(ids)
        )
    )
    return {row[0]: (row[1], row[2] != "draft") for row in rows}


def audit_events(
    limit: int = 200, application: ApplicationRecord | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
    if application is not None:
        query = query.where(AuditEvent.application_id == application.id)
    return list(db.session.scalars(query))
