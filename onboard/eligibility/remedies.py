"""What must change: from a report, the smallest list of changes that would make the
application pass.

Pure like the rest of the core: ``(report, application, ruleset) -> changes``. Only checks
that stop an application (``fail`` and ``missing``) call for a change; ``review`` is a
person's call and ``pass`` / ``n/a`` need nothing, so an eligible or review application gets
an empty list. Checks that one change settles are merged into that change (the business
license missing settles ``document.required`` and ``entity.license_ocr`` at once; a file
both too large and not an image is uploaded again once), so the list is as short as the
report allows. A change that no edit can make (a company registered outside mainland China
and Hong Kong) comes first, marked ``fixable: false``.

Each change names the field, what to do (``action``), the value now and the value needed,
and a short text in English and Chinese ("rating 3.8 → ≥ 4.0"); ``message`` is the rule's
own full explanation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from onboard.eligibility.model import Application, Check, Report, Status
from onboard.eligibility.rules.base import display
from onboard.eligibility.ruleset import RuleSet

#: Store numbers with a minimum: field name as people say it, in both languages, and unit.
_MINIMUMS: Mapping[str, tuple[str, str, str]] = {
    "store.rating": ("rating", "店铺评分", ""),
    "store.feedback": ("positive feedback", "好评率", " %"),
    "store.gmv": ("12-month GMV", "近 12 个月 GMV", " USD"),
    "store.account_health": ("account health", "账户健康评分", ""),
    "store.trustpilot": ("Trustpilot score", "Trustpilot 评分", ""),
    "store.social_followers": ("social-media followers", "海外社媒粉丝数", ""),
}
#: How fields are named in change texts (others are named by their dotted path).
_FIELD_NAMES: Mapping[str, tuple[str, str]] = {
    "entity.region": (
        "the company's region (mainland China or Hong Kong)",
        "公司注册地（中国大陆或中国香港）",
    ),
    "entity.company_name": ("the company name", "公司名称"),
    "entity.license_number": ("the Unified Social Credit Code", "统一社会信用代码"),
    "entity.hk_ci_number": (
        "the Certificate of Incorporation number",
        "公司注册证明书编号",
    ),
    "legal_rep.name": ("the legal representative's name", "法定代表人姓名"),
    "legal_rep.id_type": ("the legal representative's ID type", "法定代表人证件类型"),
    "legal_rep.id_number": ("the legal representative's ID number", "法定代表人证件号码"),
    "contact.phone": ("the mobile number", "手机号码"),
    "contact.email": ("the email address", "联系邮箱"),
    "store.platform": ("the store's platform", "店铺平台"),
    "store.url": ("the store link", "店铺链接"),
    "store.registered_entity": ("the store's registered company", "店铺注册公司"),
    "store.opened_on": ("the store's opening date", "店铺开店日期"),
    "store.last_supply_date": ("the last supply date", "最近供货日期"),
    "store.main_category": ("the store's main category", "店铺主营类目"),
    "shop.name": ("the shop name", "新店铺名称"),
    "shop.main_category": ("the shop's main category", "新店铺主营类目"),
    "fulfillment.method": ("the fulfilment method", "履约方式"),
    "entry.invitation_code": ("the invitation code", "邀请码"),
    "entry.mode": ("the entry route", "入驻通道"),
}
_DUPLICATES = {
    "entity.license_duplicate": (
        "the license number is used by another application: if you opened a store before, "
        "use that one; if the license was misused, appeal",
        "该统一社会信用代码已被其他申请使用：如曾开过店请使用原店铺；如资质被盗用请申诉",
    ),
    "contact.phone": (
        "use a mobile number no other application uses",
        "请使用未被其他申请使用的手机号码",
    ),
    "contact.email": (
        "use an email address no other application uses",
        "请使用未被其他申请使用的邮箱",
    ),
    "shop.name_unique": (
        "choose a shop name no other application uses",
        "请选择未被使用的店铺名称",
    ),
}


@dataclass(frozen=True, slots=True)
class Change:
    """One thing to do. ``codes``: the rules it settles; ``current``/``target``: the value
    now and the value needed (None where there is no such value)."""

    field: str
    action: str  # raise, wait, upload, replace, provide, correct, change, blocker
    codes: tuple[str, ...]
    current: str | None
    target: str | None
    text: Mapping[str, str]
    message: Mapping[str, str]
    fixable: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "action": self.action,
            "codes": list(self.codes),
            "current": self.current,
            "target": self.target,
            "text": dict(self.text),
            "message": dict(self.message),
            "fixable": self.fixable,
        }


def changes_for(report: Report, application: Application, ruleset: RuleSet) -> list[Change]:
    """The changes that would turn ``report``'s failures and gaps into passes, fewest first
    merged: one per field, blockers first, then in the report's order."""
    merged: dict[str, Change] = {}
    for check in report.checks:
        if check.status not in (Status.FAIL, Status.MISSING):
            continue
        change = _change(check, application, ruleset)
        known = merged.get(change.field)
        if known is None:
            merged[change.field] = change
        elif check.code not in known.codes:
            merged[change.field] = _merge(known, change)
    return sorted(merged.values(), key=lambda change: change.fixable)


def _merge(first: Change, second: Change) -> Change:
    """One change for a field two rules want changed: the stronger action wins ("upload it
    again" over "upload it"; a blocker over anything)."""
    keep = second if _RANK[second.action] > _RANK[first.action] else first
    return Change(
        field=keep.field,
        action=keep.action,
        codes=first.codes + tuple(c for c in second.codes if c not in first.codes),
        current=keep.current,
        target=keep.target,
        text=keep.text,
        message=keep.message,
        fixable=first.fixable and second.fixable,
    )


_RANK = {
    "provide": 0,
    "upload": 1,
    "change": 2,
    "correct": 3,
    "replace": 4,
    "raise": 5,
    "wait": 6,
    "blocker": 9,
}


def _texts(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


def _name(field: str) -> tuple[str, str]:
    return _FIELD_NAMES.get(field, (field, field))


def _document(field: str, ruleset: RuleSet) -> tuple[str, str]:
    kind = ruleset.document_kinds.get(field.removeprefix("documents."))
    if kind is None:
        return field, field
    name = kind.name["en"]
    # "the account health screenshot", but "the Trustpilot screenshot"
    words = name.split(" ")
    if words[0] not in _PROPER and all(
        not word[:1].isupper() or word.isupper() for word in words[1:]
    ):
        name = name[0].lower() + name[1:]
    return name, kind.name["zh"]


_PROPER = frozenset({"Trustpilot", "Amazon", "Walmart", "Hong", "Douyin"})


def _change(check: Check, application: Application, ruleset: RuleSet) -> Change:
    def make(
        action: str,
        en: str,
        zh: str,
        *,
        current: str | None = None,
        target: str | None = None,
        fixable: bool = True,
    ) -> Change:
        return Change(
            field=check.field,
            action=action,
            codes=(check.code,),
            current=current,
            target=target,
            text=_texts(en, zh),
            message=dict(check.message),
            fixable=fixable,
        )

    field = check.field
    if field.startswith("documents."):
        name_en, name_zh = _document(field, ruleset)
        if check.status is Status.MISSING:
            return make("upload", f"upload the {name_en}", f"上传{name_zh}", target="uploaded")
        # The limit in the unit it is judged in (RULES.md §7): 5 MiB = 5,242,880 bytes.
        limit = display(ruleset.max_bytes)
        return make(
            "replace",
            f"upload the {name_en} again: JPEG, PNG or BMP smaller than {limit} bytes",
            f"重新上传{name_zh}：JPEG、PNG 或 BMP，小于 {limit} 字节",
            current=check.actual,
            target="JPEG, PNG or BMP",
        )
    if check.status is Status.MISSING:
        return _missing(check, ruleset, make)
    return _failure(check, ruleset, make)


def _invitation_only(ruleset: RuleSet) -> set[str | None]:
    try:
        return set(ruleset.rule("entry.route").params.get("invitation_only_categories", ()))
    except KeyError:
        return set()


def _zh_unit(unit: str) -> str:
    """A unit as Chinese texts write it ("%", " 美元")."""
    return {" %": "%", " USD": " 美元"}.get(unit, unit)


def _missing(check: Check, ruleset: RuleSet, make: Any) -> Change:
    if check.code in _MINIMUMS and check.field == ruleset.rule(check.code).field:
        en, zh, unit = _MINIMUMS[check.code]
        least = ruleset.rule(check.code).params["min"]
        return make(
            "provide",
            f"give the {en} (≥ {display(least)}{unit} needed)",
            f"填写{zh}（需 ≥ {display(least)}{_zh_unit(unit)}）",
            target=f">= {least}",
        )
    en, zh = _name(check.field)
    return make("provide", f"give {en}", f"填写{zh}", target=check.expected)


def _shown(check: Check, name: str, lang: str, default: str = "?") -> str:
    """``expected``/``actual`` as people read them in ``lang`` (Check.expected_text)."""
    return check.text(name, lang) or default


def _failure(check: Check, ruleset: RuleSet, make: Any) -> Change:
    code, actual, expected = check.code, check.actual, check.expected
    if code in _MINIMUMS:
        en, zh, unit = _MINIMUMS[code]
        least = ruleset.rule(code).params["min"]
        shown = display(least)
        zh_unit = _zh_unit(unit)
        return make(
            "raise",
            f"{en} {actual}{unit} → ≥ {shown}{unit}",
            f"{zh} {actual}{zh_unit} → ≥ {shown}{zh_unit}",
            current=actual,
            target=f">= {least}",  # plain digits: for programs
        )
    if code == "store.age" and "eligible_from" in check.evidence:
        # A store too young cannot be made older: apply on the day it is old enough.
        ready = str(check.evidence["eligible_from"])
        return make(
            "wait",
            f"apply on or after {ready}, when the store has been open long enough",
            f"请于 {ready} 或之后申请，届时店铺经营时间已满",
            current=actual,
            target=ready,
        )
    if code == "store.age":
        # An opening date after the as-of date: a slip to check, not a value to reach.
        return make(
            "correct",
            f"check the store's opening date {actual}: it lies after the date judged",
            f"请核对店铺开店日期 {actual}：它晚于评估日期",
            current=actual,
            target=None,
        )
    if code == "store.supply_recency":
        # A stale record cannot be redated: a newer record is what passes. A supply date
        # after the date judged (no earliest date in the evidence) is a slip to check.
        earliest = check.evidence.get("earliest")
        if earliest is None and check.message.get("en", "").startswith("The supply date"):
            return make(
                "correct",
                f"check the last supply date {actual}: it lies after the date judged",
                f"请核对最近供货日期 {actual}：它晚于评估日期",
                current=actual,
                target=None,
            )
        earliest = earliest or (expected or "").removeprefix("on or after ")
        return make(
            "upload",
            f"upload a supply record dated on or after {earliest} (the last is {actual})",
            f"上传 {earliest} 或之后的供货记录（最近一次为 {actual}）",
            current=actual,
            target=earliest,
        )
    if code == "entity.region":
        return make(
            "blocker",
            f"only companies registered in {_shown(check, 'expected', 'en')} may apply "
            f"(registered in {_shown(check, 'actual', 'en')})",
            f"仅限在{_shown(check, 'expected', 'zh')}注册的公司申请"
            f"（当前注册地：{_shown(check, 'actual', 'zh')}）",
            current=actual,
            target=expected,
            fixable=False,
        )
    if code == "entry.route":
        return make(
            "change",
            "choose entry by invitation code and give the code (sellers of this category "
            "enter by invitation)",
            "该类目的商家须凭邀请码入驻：请选择邀请码入驻并填写邀请码",
            current="standard",
            target="invitation",
        )
    if code == "store.entity_match":
        # The store's company is a fact: the store must belong to the applying company.
        return make(
            "change",
            f"the store belongs to {actual}: apply with the company that owns the store, "
            "or link a store registered to the applying company",
            f"店铺属于 {actual}：请以店铺所属公司申请，或提供注册在申请公司名下的店铺",
            current=actual,
            target=None,
        )
    if code in ("entity.license_ocr", "entity.license_name"):
        # Another company's license cannot be made to match: upload the applicant's own.
        what_en, what_zh = (
            ("number", "号码") if code == "entity.license_ocr" else ("company name", "公司名称")
        )
        return make(
            "correct",
            f"the license image shows {expected}: if the {what_en} was mistyped, correct it; "
            "if the image is another company's license, upload the applying company's own",
            f"证照图片上为 {expected}：如{what_zh}填写有误请改正；"
            "如图片是其他公司的证照，请上传申请公司本身的证照",
            current=actual,
            target=None,
        )
    if code == "legal_rep.license_name":
        return make(
            "correct",
            f"enter the legal representative printed on the license ({expected})",
            f"请按营业执照填写法定代表人（{expected}）",
            current=actual,
            target=expected,
        )
    if code == "entity.enterprise":
        return make(
            "blocker",
            "only an enterprise (a company) may apply: apply with the company's own license",
            "只有企业（公司）可以入驻：请以公司主体的营业执照申请",
            current=actual,
            target=None,
            fixable=False,
        )
    if code == "shop.category_match" and _invitation_only(ruleset) & {actual, expected}:
        # Never a category change that would escape the invitation-only categories.
        return make(
            "change",
            "choose the main category you really sell in for both the store and the new shop "
            "(sellers of jewelry enter by invitation code)",
            "请为现有店铺和新店铺选择您实际经营的主营类目（珠宝类商家须凭邀请码入驻）",
            current=actual,
            target=None,
        )
    duplicate = check.evidence.get("duplicates") or check.evidence.get("rows")
    if duplicate and code in _DUPLICATES:
        en, zh = _DUPLICATES[code]
        return make("change", en, zh, current=actual, target="unique")
    if code == "shop.name":
        offending = " ".join(check.evidence.get("offending", ()))
        if not offending:
            return make(
                "change",
                "write the shop name in English: it needs Latin letters, not only digits",
                "店铺名称须为英文：须包含拉丁字母，不能只有数字或标点",
                current=actual,
                target="English",
            )
        return make(
            "change",
            f"shop name in English only (remove {offending})",
            f"店铺名称须为英文（去掉 {offending}）",
            current=actual,
            target="English",
        )
    en, zh = _name(check.field)
    verb = "correct" if code in ("entity.license_number", "legal_rep.id_number") else "change"
    return make(
        verb,
        f"{en} {_shown(check, 'actual', 'en')} → {_shown(check, 'expected', 'en', 'valid')}",
        f"{zh} {_shown(check, 'actual', 'zh')} → {_shown(check, 'expected', 'zh', '有效值')}",
        current=actual,
        target=expected,
    )
