"""The application JSON of CONTRACT.md, in marshmallow: one boundary for form, API and CLI.

Everything is optional (a draft may be half empty: the rules report what is ``missing``), but
what is given must be well typed: numbers are JSON numbers (never strings or booleans), dates
are ``YYYY-MM-DD`` calendar dates, enumerations are closed, unknown fields are refused. A bad
value is an :class:`~onboard.errors.InputError` keyed by its dotted field name
(``store.rating``), never a crash: the flattening of marshmallow's nested errors happens here
only, in :func:`flatten_errors`.

Value ranges are checked where a value outside them can only be a typing mistake (a rating of
46 on a 5-star scale); thresholds, by contrast, are the rules' business, not the schema's.

Category ids, platforms and document kinds come from the rule set (``default_ruleset()``, or
the one passed to :func:`parse_application`), so publishing a new list is a data change.

The CSV form of an application has one column per field, named by its dotted path
(:data:`CSV_COLUMNS`); :func:`csv_row_to_data` turns a row into the JSON shape, so the CSV path
is validated by the very same schema.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from datetime import date
from operator import attrgetter
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate

from onboard import plaintext
from onboard.eligibility.model import (
    Application,
    Contact,
    Entity,
    Entry,
    Fulfillment,
    LegalRep,
    Shop,
    Store,
)
from onboard.eligibility.ruleset import RuleSet, default_ruleset
from onboard.errors import InputError, Words
from onboard.plaintext import has_control

#: Longest text accepted in an ordinary field: longer is a paste gone wrong, not a name.
TEXT_MAX = 500
#: Store links carry long query strings.
URL_MAX = 2048
#: The years a date may fall in: anything else is a typo, and keeps date arithmetic safe.
YEARS = (1900, 2199)
_CENTURIES = tuple(str(century) for century in range(YEARS[0] // 100, YEARS[1] // 100 + 1))

FULFILLMENT_METHODS = ("us_warehouse", "fba_mcf", "none")
ENTRY_MODES = ("standard", "invitation")
ID_TYPES = ("cn_resident_id", "hk_id", "passport")

_ruleset_var: ContextVar[RuleSet | None] = ContextVar("onboard_schema_ruleset", default=None)


def current_ruleset() -> RuleSet:
    """The rule set whose lists (categories, platforms, document kinds) validation uses."""
    return _ruleset_var.get() or default_ruleset()


# --- what the fields say, in both languages ------------------------------------------------
#
# Every message a field of the application can give, declared once (:class:`Words`): the
# English is marshmallow's own wording, which the API's ``errors`` and the CLI keep byte for
# byte (CONTRACT.md); the Chinese is what the applicant's form and the agency portal show.
# marshmallow fills its messages with ``str.format``, which a :attr:`Words.template` answers in
# both languages, so no page ever has to recognise marshmallow's English. (A batch row's
# errors, stored as English, are read back by the same declarations: ``errors.recognise``.)

NOT_A_STRING = Words("Not a valid string.", "此处须填写文字。")
NOT_UNICODE = Words("Not valid Unicode text.", "内容包含无效字符。")
CONTROL = Words(plaintext.MESSAGE, "此处不能含有控制字符（如空字符、制表符或换行符）。")
LONGER = Words("Longer than maximum length {max}.", "最多 {max} 个字符。")
ONE_OF = Words("Must be one of: {choices}.", "请从给出的选项中选择（可参照模板和示例文件）。")
NOT_A_NUMBER = Words("Not a valid number.", "请输入数字。")
NOT_AN_INTEGER = Words("Not a valid integer.", "请输入整数。")
NOT_FINITE = Words("Special numeric values (nan or infinity) are not permitted.", "请输入数字。")
TOO_LARGE = Words("Number too large.", "数字过大。")
IN_RANGE = Words(
    "Must be greater than or equal to {min} and less than or equal to {max}.",
    "请输入 {min} 到 {max} 之间的数值。",
)
NOT_A_DATE = Words(
    "Not a valid date: use YYYY-MM-DD, e.g. 2026-03-01.",
    "请按“年-月-日”格式输入日期，如 2026-03-01。",
)
NOT_A_REAL_DATE = Words(
    "Not a real calendar date: {text}.",
    "{text} 不是真实存在的日期，请输入有效日期，如 2026-03-01。",
)
YEAR_RANGE = Words("The year must be between {low} and {high}.", "年份须在 {low} 到 {high} 之间。")
REGION_CODE = Words(
    "Must be a two-letter country or region code such as CN or HK.",
    "请填写两个字母的国家或地区代码（参照模板和示例文件）。",
)
UNKNOWN_CATEGORY = Words(
    "Unknown category id {value!r}; see GET /api/v1/categories (rules {version}).",
    "不是规则中的类目，请从给出的类目中选择。",
)
UNKNOWN_PLATFORM = Words(
    "Unknown platform {value!r}; see GET /api/v1/rules (rules {version}).",
    "不是规则中的店铺平台，请从给出的平台中选择。",
)
UNKNOWN_FIELD = Words(
    "Unknown field: not part of the application (see CONTRACT.md).", "申请中没有此项。"
)
NOT_AN_OBJECT = Words("Expected a JSON object.", "此处须为 JSON 对象。")
FILES_NOT_AN_OBJECT = Words(
    "Expected an object: document kind -> file name.", "此处须为各类文件及其文件名。"
)
UNKNOWN_KIND = Words("Unknown document kind; known: {kinds}.", "模板中没有此类文件。")
GIVE_FILE_NAME = Words("Give the file name as a non-empty string.", "请填写文件名。")
SURPLUS_CELLS = Words("More cells than columns.", "此行的单元格多于列名。")
UNKNOWN_COLUMN = Words(
    "Unknown column: columns are dotted field names (store.rating).", "模板中没有此列。"
)
NOT_A_NUMBER_CELL = Words("Not a number: {value!r}.", "请输入数字。")


# --- fields --------------------------------------------------------------------------------
#
# Each field is declared once, in the schemas below. marshmallow validates it (and words
# every error message); the same declaration also gives the field's ``wire`` type, a msgspec
# type with the same limits (length, range, choices), from which :func:`_compile` builds one
# msgspec structure for the whole application. Well-formed input goes through that compiled
# structure, about ten times faster than marshmallow; whatever it refuses is judged by
# marshmallow, so the error messages are marshmallow's alone (see :func:`parse_application`).
# A wire type may refuse more than marshmallow (it then only costs time), never less:
# tests/test_schemas.py proves both give the same answer on near-valid and arbitrary input.


def is_unicode(text: str) -> bool:
    """False for text with lone surrogates (``"\\ud800"`` in JSON): it cannot be stored or
    printed as UTF-8, so it is refused at the boundary rather than crash an output."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_plain_line(text: str) -> bool:
    """What a text field may hold: Unicode text (:func:`is_unicode`) on a single line, without
    control characters (:func:`~onboard.plaintext.has_control`)."""
    return is_unicode(text) and not has_control(text)


def _unicode_text(value: str) -> None:
    if not is_unicode(value):
        raise ValidationError(NOT_UNICODE())
    if has_control(value):
        raise ValidationError(CONTROL())


class Text(fields.String):
    """A JSON string of at most ``max_length`` characters; ``null`` means not given.

    ``choices`` closes the set of values; ``table`` names a rule-set list the value must be
    in (``categories``, ``platforms``), looked up when the value is checked.
    """

    default_error_messages = {"invalid": NOT_A_STRING.template}  # noqa: RUF012 — marshmallow's

    def __init__(
        self,
        *,
        max_length: int = TEXT_MAX,
        choices: tuple[str, ...] = (),
        table: str | None = None,
        **kwargs: Any,
    ) -> None:
        validators: list[Any] = [
            validate.Length(max=max_length, error=LONGER.template),
            _unicode_text,
        ]
        if choices:
            validators.append(validate.OneOf(choices, error=ONE_OF.template))
            kwargs.setdefault("metadata", {})["enum"] = list(choices)
        else:  # the OpenAPI document says what the validator refuses
            kwargs.setdefault("metadata", {})["pattern"] = plaintext.SINGLE_LINE_PATTERN
        if table:
            validators.append(InRuleSet(table))
        super().__init__(allow_none=True, validate=validators, **kwargs)
        self.max_length = max_length
        self.choices = choices
        self.table = table
        # A closed set is checked whole by msgspec; free text's characters, and a rule-set
        # list (which msgspec cannot see), by _load_quickly after it.
        self.wire: Any = (
            Literal.__getitem__(choices)
            if choices
            else Annotated[str, msgspec.Meta(max_length=max_length)]
        )


class InRuleSet(validate.Validator):
    """One of the ids a rule-set list publishes (``categories`` or ``platforms``)."""

    _UNKNOWN: ClassVar[dict[str, Words]] = {
        "categories": UNKNOWN_CATEGORY,
        "platforms": UNKNOWN_PLATFORM,
    }

    def __init__(self, table: str) -> None:
        if table not in self._UNKNOWN:
            raise ValueError(f"no rule-set list {table!r}")
        self.table = table

    def __call__(self, value: Any) -> Any:
        ruleset = current_ruleset()
        if value not in getattr(ruleset, self.table):
            raise ValidationError(self._UNKNOWN[self.table](value=value, version=ruleset.version))
        return value


class StrictFloat(fields.Float):
    """A JSON number within ``[low, high]``: strings, booleans, NaN and infinities are refused."""

    default_error_messages = {  # noqa: RUF012 — marshmallow's class-level convention
        "invalid": NOT_A_NUMBER.template,
        "too_large": TOO_LARGE.template,
        "special": NOT_FINITE.template,
    }

    def __init__(self, *, low: float, high: float, **kwargs: Any) -> None:
        in_range = validate.Range(low, high, error=IN_RANGE.template)
        super().__init__(allow_none=True, allow_nan=False, validate=in_range, **kwargs)
        self.low, self.high = low, high
        # msgspec takes a JSON integer as the float marshmallow makes of it.
        self.wire: Any = Annotated[float, msgspec.Meta(ge=low, le=high)]

    def _validated(self, value: Any) -> float:
        if type(value) not in (int, float):  # bool is a subclass of int: refused here
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


class StrictInteger(fields.Integer):
    """A JSON whole number within ``[low, high]``; ``310.0`` is taken as 310, ``310.5`` and
    ``"310"`` are refused."""

    default_error_messages = {  # noqa: RUF012 — marshmallow's class-level convention
        "invalid": NOT_AN_INTEGER.template,
        "too_large": TOO_LARGE.template,
    }

    def __init__(self, *, low: int, high: int, **kwargs: Any) -> None:
        in_range = validate.Range(low, high, error=IN_RANGE.template)
        super().__init__(allow_none=True, validate=in_range, **kwargs)
        self.low, self.high = low, high
        # msgspec refuses 310.0 for an integer: marshmallow then takes it.
        self.wire: Any = Annotated[int, msgspec.Meta(ge=low, le=high)]

    def _validated(self, value: Any) -> int:
        kind = type(value)
        if kind is float and value.is_integer():
            return int(value)
        if kind is not int:
            raise self.make_error("invalid", input=value)
        return int(value)


_DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_date(text: object) -> date:
    """A ``YYYY-MM-DD`` calendar date, or ``ValueError`` saying what is wrong with it.

    Stricter than :func:`date.fromisoformat` (which takes ``20260105`` and ``2026-W01``) and
    than marshmallow (which takes ``2026-1-5``): one spelling only. The year range keeps
    date arithmetic (months added to a date) far from ``date.max``.
    """
    if not isinstance(text, str) or not _DATE_SHAPE.fullmatch(text):
        raise ValueError(NOT_A_DATE())
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(NOT_A_REAL_DATE(text=text)) from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise ValueError(YEAR_RANGE(low=YEARS[0], high=YEARS[1]))
    return day


#: The shape of a date whose year lies in :data:`YEARS`, for the OpenAPI document and msgspec.
_DATE_PATTERN = f"^({'|'.join(_CENTURIES)})[0-9]{{2}}-[0-9]{{2}}-[0-9]{{2}}$"


class IsoDate(fields.Date):
    """A ``YYYY-MM-DD`` date (see :func:`parse_date`)."""

    #: Checked for its shape; msgspec then reads it as a calendar date into the model.
    wire: Any = Annotated[str, msgspec.Meta(pattern=_DATE_PATTERN)]

    def __init__(self, **kwargs: Any) -> None:
        # The OpenAPI document states the years accepted (YEARS), as the validator does.
        kwargs["metadata"] = {"pattern": _DATE_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(allow_none=True, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        try:
            return parse_date(value)
        except ValueError as exc:  # the message in both languages, as parse_date wrote it
            raise ValidationError(exc.args[0]) from None

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.isoformat()


_REGION = re.compile(r"[A-Za-z]{2}")


class RegionCode(fields.String):
    """A two-letter country or region code, upper-cased. Which regions may apply is a rule
    (``entity.region`` fails all but CN and HK), not a matter of typing."""

    #: Upper case only: lower case is marshmallow's to upper-case.
    wire: Any = Annotated[str, msgspec.Meta(pattern="^[A-Z]{2}$")]

    def __init__(self, **kwargs: Any) -> None:
        # the pattern tells the OpenAPI document what _deserialize accepts
        metadata = {"example": "CN", "pattern": f"^{_REGION.pattern}$"}
        super().__init__(allow_none=True, metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str) or not _REGION.fullmatch(value):
            raise ValidationError(REGION_CODE())
        return value.upper()


class DocumentFiles(fields.Dict):
    """Document kind -> file name (a path on the command line, a part name over HTTP).

    Errors are keyed by kind, so they surface as ``documents.<kind>``; a ``null`` file means
    the kind is not given.
    """

    #: A null file is marshmallow's to drop; kinds and characters are _load_quickly's.
    wire: Any = dict[str, Annotated[str, msgspec.Meta(min_length=1, max_length=TEXT_MAX)]]

    def __init__(self, **kwargs: Any) -> None:
        name = {"type": "string", "minLength": 1, "maxLength": TEXT_MAX}
        name["pattern"] = "^(?=.*\\S)" + plaintext.SINGLE_LINE_PATTERN[1:]
        kinds = default_ruleset().document_kinds
        metadata = {
            # What the validator allows, for the OpenAPI document: a file name per known kind.
            "properties": {kind: {**name, "nullable": True} for kind in kinds},
            "additionalProperties": False,
        }
        super().__init__(
            keys=fields.String(), values=None, allow_none=True, metadata=metadata, **kwargs
        )

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError(FILES_NOT_AN_OBJECT())
        kinds = current_ruleset().document_kinds
        files: dict[str, str] = {}
        errors: dict[str, list[str]] = {}
        for kind, name in value.items():
            if kind not in kinds:
                errors[str(kind)] = [UNKNOWN_KIND(kinds=", ".join(kinds))]
            elif name is None:
                continue
            elif not isinstance(name, str) or not name.strip() or not is_unicode(name):
                errors[kind] = [GIVE_FILE_NAME()]
            elif len(name) > TEXT_MAX:
                errors[kind] = [LONGER(max=TEXT_MAX)]
            elif has_control(name):
                errors[kind] = [CONTROL()]
            else:
                files[kind] = name
        if errors:
            raise ValidationError(errors)
        return files


class Section(fields.Nested):
    """A nested part of the application (``store``, ``entity`` …); ``null`` means not given."""

    def __init__(self, schema: type[_Strict]) -> None:
        super().__init__(schema, allow_none=True)
        self.schema_class = schema
        self.wire: Any = _compile(schema())


# --- schemas -------------------------------------------------------------------------------


class _Strict(Schema):
    """Unknown fields are refused, a section that is not an object says so, and a loaded
    section becomes its frozen dataclass (``model``).

    ``null`` gives ``None``, unless ``null_means_default``: then a field given as ``null`` is
    the same as a field not given (the model's default).
    """

    model: ClassVar[type[Any]]
    null_means_default: ClassVar[bool] = False
    error_messages = {  # noqa: RUF012 — marshmallow's class-level convention
        "unknown": UNKNOWN_FIELD.template,
        "type": NOT_AN_OBJECT.template,
    }

    class Meta:
        unknown = RAISE

    @post_load
    def make(self, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.build(data)

    @classmethod
    def build(cls, data: dict[str, Any]) -> Any:
        if cls.null_means_default:
            data = {key: value for key, value in data.items() if value is not None}
        return cls.model(**data)


def _compile(schema: _Strict) -> type[msgspec.Struct]:
    """The msgspec structure of ``schema``: each field's ``wire`` type or ``null``, unknown
    fields refused. The model must have the schema's fields, in its order (checked here), for
    msgspec then reads the same data into it by name."""
    name = type(schema).__name__
    model_fields = [field.name for field in dataclasses.fields(schema.model)]
    if model_fields != list(schema.load_fields):
        raise TypeError(f"{name}: the model's fields are not the schema's")
    wires = []
    for key, field in schema.load_fields.items():
        wire = getattr(field, "wire", None)  # the field kinds of this module have one
        if wire is None:
            raise TypeError(f"{name}.{key}: a field without a wire type")
        wires.append((key, wire | None, None))
    return msgspec.defstruct(
        name.removesuffix("Schema") + "Wire", wires, forbid_unknown_fields=True
    )


def _category() -> Text:
    return Text(
        table="categories",
        metadata={
            "enum": sorted(default_ruleset().category_ids),
            "description": "a category id of GET /api/v1/categories",
        },
    )


class EntitySchema(_Strict):
    model = Entity
    region = RegionCode()
    company_name = Text()
    license_number = Text(max_length=100)
    hk_ci_number = Text(max_length=100)


class LegalRepSchema(_Strict):
    model = LegalRep
    name = Text()
    id_type = Text(choices=ID_TYPES)
    id_number = Text(max_length=100)


class ContactSchema(_Strict):
    model = Contact
    phone = Text(max_length=100)
    email = Text(max_length=320)


class StoreSchema(_Strict):
    model = Store
    platform = Text(table="platforms", metadata={"enum": sorted(default_ruleset().platforms)})
    url = Text(max_length=URL_MAX)
    registered_entity = Text()
    opened_on = IsoDate()
    rating = StrictFloat(low=0, high=5)
    positive_feedback_pct = StrictFloat(low=0, high=100)
    gmv_12m_usd = StrictFloat(low=0, high=1e13)
    account_health = StrictInteger(low=0, high=1000)
    trustpilot_rating = StrictFloat(low=0, high=5)
    social_followers = StrictInteger(low=0, high=10**11)
    last_supply_date = IsoDate()
    main_category = _category()


class ShopSchema(_Strict):
    model = Shop
    name = Text()
    main_category = _category()


class FulfillmentSchema(_Strict):
    model = Fulfillment
    method = Text(choices=FULFILLMENT_METHODS)


class EntrySchema(_Strict):
    model = Entry
    mode = Text(choices=ENTRY_MODES)
    invitation_code = Text(max_length=100)
    douyin_gmv_180d_cny = StrictFloat(low=0, high=1e13)


class ApplicationSchema(_Strict):
    """One seller's application (CONTRACT.md "An application"); every field optional."""

    model = Application
    null_means_default = True  # a section given as null is a section not given
    as_of = IsoDate(metadata={"description": "judge as of this date (default: today)"})
    entity = Section(EntitySchema)
    legal_rep = Section(LegalRepSchema)
    contact = Section(ContactSchema)
    store = Section(StoreSchema)
    shop = Section(ShopSchema)
    fulfillment = Section(FulfillmentSchema)
    entry = Section(EntrySchema)
    documents = DocumentFiles()


_SCHEMA = ApplicationSchema()


def _text_paths(schema: _Strict, prefix: str = "") -> Iterator[tuple[str, Text]]:
    """Every free-text field (a :class:`Text` without a closed set of choices) by dotted path."""
    for name, field in schema.load_fields.items():
        if isinstance(field, Section):
            yield from _text_paths(field.schema_class(), f"{prefix}{name}.")
        elif isinstance(field, Text) and not field.choices:
            yield f"{prefix}{name}", field


#: What msgspec leaves to :func:`_load_quickly`, read off the schema: the characters of free
#: text (a ``pattern`` would cost msgspec a regular-expression call per field, most of its
#: time), and the values a rule-set list must hold.
_TEXTS = tuple(attrgetter(path) for path, _ in _text_paths(_SCHEMA))
_TABLES = tuple(
    (attrgetter(path), attrgetter(field.table))
    for path, field in _text_paths(_SCHEMA)
    if field.table
)
_WIRE = _compile(_SCHEMA)


def _load_quickly(data: Any, ruleset: RuleSet) -> Application | None:
    """:func:`parse_application` for well-formed data, or ``None`` when in any doubt.

    msgspec checks the data against the structure compiled from the schema (types, ranges,
    lengths, choices, unknown fields), then reads it into the model (a JSON integer becomes a
    float where the model says so, a date text a date); what msgspec does not check, the
    characters of free text and the rule-set lists, is checked here by the very functions
    marshmallow's validators call.
    """
    try:
        msgspec.convert(data, _WIRE)
        # A section or a list given as null is one not given (the model's default).
        given = {key: value for key, value in data.items() if value is not None}
        application = msgspec.convert(given, Application)
    except (msgspec.ValidationError, UnicodeEncodeError):
        # msgspec reads a closed set's values as UTF-8: a lone surrogate cannot be encoded.
        return None
    for text in _TEXTS:
        value = text(application)
        if value is not None and not is_plain_line(value):
            return None
    for value_of, table in _TABLES:
        value = value_of(application)
        if value is not None and value not in table(ruleset):
            return None
    kinds = ruleset.document_kinds
    for kind, name in application.documents.items():
        if kind not in kinds or name.isspace() or not is_plain_line(name):
            return None
    return application


# --- the public helpers --------------------------------------------------------------------


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict as ``{"store.rating": [...]}``.

    ``_schema`` (an error about a whole object) names the object itself (``store``), or
    stays ``_schema`` at the top level.
    """
    out: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = str(key)
            path = prefix if name == "_schema" and prefix else f"{prefix}.{name}".lstrip(".")
            for field_name, texts in flatten_errors(value, path).items():
                out.setdefault(field_name, []).extend(texts)
    elif isinstance(messages, list | tuple):
        for item in messages:
            for field_name, texts in flatten_errors(item, prefix).items():
                out.setdefault(field_name, []).extend(texts)
    else:  # a declared message stays itself: its Chinese travels with it
        out[prefix or "_schema"] = [messages if isinstance(messages, str) else str(messages)]
    return out


def parse_application(data: object, *, ruleset: RuleSet | None = None) -> Application:
    """Validate plain JSON data into an :class:`Application`.

    Raises :class:`InputError` (dotted field names) on anything malformed; never anything
    else, whatever JSON value sits in whatever field. ``ruleset`` supplies the category,
    platform and document-kind lists (default: the rule set in force today).
    """
    application = _load_quickly(data, ruleset or default_ruleset())
    if application is None:
        return _load_carefully(data, ruleset)
    return application


def _load_carefully(data: object, ruleset: RuleSet | None) -> Application:
    """:func:`parse_application` by marshmallow alone: the authority, and its error messages."""
    token = _ruleset_var.set(ruleset)
    try:
        application: Application = _SCHEMA.load(data)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise InputError(flatten_errors(exc.messages)) from None
    finally:
        _ruleset_var.reset(token)
    return application


def application_to_dict(application: Application) -> dict[str, Any]:
    """The JSON form of ``application`` (every field, ``null`` when not given): the inverse of
    :func:`parse_application`, for saving drafts and writing files."""
    data: dict[str, Any] = _SCHEMA.dump(application)
    data["documents"] = dict(application.documents)
    return data


# --- CSV -----------------------------------------------------------------------------------


def _scalar_fields() -> Iterator[tuple[str, fields.Field]]:
    """Every leaf field of the application, by dotted name, in the schema's order."""
    for name, field in _SCHEMA.fields.items():
        if isinstance(field, fields.Nested):
            nested = field.schema
            for sub_name, sub_field in nested.fields.items():
                yield f"{name}.{sub_name}", sub_field
        elif not isinstance(field, DocumentFiles):
            yield name, field


def csv_columns(ruleset: RuleSet | None = None) -> list[str]:
    """The CSV columns, in order: every field by dotted name, then one per document kind."""
    kinds = (ruleset or default_ruleset()).document_kinds
    return [name for name, _ in _scalar_fields()] + [f"documents.{kind}" for kind in kinds]


#: The CSV columns of the rule set in force at start-up (documentation and templates).
CSV_COLUMNS: list[str] = csv_columns()
#: The columns of the application's fields (the documents' columns follow the rule set).
_FIELD_COLUMNS = frozenset(name for name, _ in _scalar_fields())

_NUMBER_COLUMNS = {name for name, field in _scalar_fields() if isinstance(field, fields.Number)}
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _number_cell(text: str) -> int | float:
    """A number as a spreadsheet writes it; ``ValueError`` otherwise."""
    if len(text) > 40 or not _NUMBER.fullmatch(text):
        raise ValueError(text)
    if text.lstrip("+-").isdigit():
        return int(text)
    return float(text)


def _is_document_column(column: object, kinds: Mapping[str, Any]) -> bool:
    return isinstance(column, str) and column[:10] == "documents." and column[10:] in kinds


def csv_row_to_data(row: Mapping[Any, Any], *, ruleset: RuleSet | None = None) -> dict[str, Any]:
    """One CSV row (as :class:`csv.DictReader` gives it) in the JSON shape of an application.

    The one place where text cells become typed values: an empty cell is a field not given,
    a number column's text becomes a number (or an error naming the column); everything
    else is left to :func:`parse_application`. Raises :class:`InputError` for unknown
    columns, surplus cells and cells that are not numbers.
    """
    kinds = (ruleset or default_ruleset()).document_kinds
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for column, cell in row.items():
        if column is None:
            errors["_row"] = [SURPLUS_CELLS()]
            continue
        if column not in _FIELD_COLUMNS and not _is_document_column(column, kinds):
            errors[str(column)] = [UNKNOWN_COLUMN()]
            continue
        text = cell.strip() if isinstance(cell, str) else ""
        if not text:
            continue
        value: Any = text
        if column in _NUMBER_COLUMNS:
            try:
                value = _number_cell(text)
            except ValueError:
                errors[column] = [NOT_A_NUMBER_CELL(value=text[:40])]
                continue
        section, _, leaf = column.partition(".")
        if leaf:
            data.setdefault(section, {})[leaf] = value
        else:
            data[section] = value
    if errors:
        raise InputError(errors)
    return data


def application_to_csv_row(application: Application) -> dict[str, str]:
    """``application`` as a CSV row keyed by :data:`CSV_COLUMNS` (empty cell: not given)."""
    data = application_to_dict(application)
    row: dict[str, str] = {}
    for column in CSV_COLUMNS:
        section, _, leaf = column.partition(".")
        value = data.get(section)
        if leaf:
            value = (value or {}).get(leaf)
        row[column] = _cell(value)
    return row


def _cell(value: Any) -> str:
    """A value as a spreadsheet shows it: 650000 rather than 650000.0, floats exactly."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)
