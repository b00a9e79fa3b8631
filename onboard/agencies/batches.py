"""Batches: a file of applications (CSV, XLSX or JSON Lines, read by
:mod:`onboard.intake.batchfile` exactly as ``onboard check`` reads it, with an optional zip of
documents) checked row by row in the background, and what came of each row.

Uploading stores every row as it came (checking happens later, in jobs), so the answer is
immediate; only a file that is unreadable as a whole (no header, unknown columns, no rows,
too many rows) is refused then. A row with bad input becomes an ``error`` row with its field
errors; it never stops the others.

Rows are checked in chunks by the job ``batch.chunk`` (batch id, first row, last row). The
job is idempotent: it reads the chunk's rows that are still ``pending``, judges them outside
any transaction (OCR may take seconds), then writes each result only ``WHERE state =
'pending'``. A job delivered twice, or two workers on the same chunk, therefore give each
row exactly one result; every row is judged by the rule-set version and as-of date fixed at
upload, so a retry cannot judge differently either. The last chunk to finish flips the batch
to ``done`` with a compare-and-set, so the completion webhook goes out once.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from flask import current_app
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from onboard import audit, jobs, repository
from onboard.agencies import documents_zip
from onboard.agencies.report import ClientLine, client_line
from onboard.eligibility.duplicates import within_batch
from onboard.eligibility.model import Application, Duplicate, Report, Verdict
from onboard.eligibility.remedies import changes_for
from onboard.eligibility.ruleset import RuleSet, ruleset_by_version
from onboard.errors import InputError, Words, one_line
from onboard.extensions import db
from onboard.intake import batchfile
from onboard.intake.jsontext import compact_report
from onboard.intake.schemas import application_to_dict
from onboard.models import Agency, ApplicationRecord, Batch, BatchRow, WebhookDelivery, utcnow
from onboard.usecases.prescreen import choose_ruleset, prescreen

_FAULT = "由于系统故障，此行未能完成预审。"
NOT_CHECKED = Words("This row could not be checked (internal error).", _FAULT)
NOT_STORED = Words("This row's result could not be stored: {problem}", _FAULT)
NOT_CHECKED_ROW = Words(
    "Only a checked row (no input errors) can become an application.",
    "只有已完成预审（没有输入错误）的行才能生成申请。",
)
SUBMITTED_ALREADY = Words(
    "This client's application was submitted already.", "该客户的申请已经提交。"
)


def _setting(name: str, default: Any) -> Any:
    return current_app.config.get(name, default)


# --- reading the upload ----------------------------------------------------------------------


def limits() -> batchfile.Limits:
    return batchfile.Limits(max_rows=int(_setting("ONBOARD_BATCH_MAX_ROWS", 100_000)))


def read_upload(
    data: bytes, fmt: str, ruleset: RuleSet
) -> tuple[batchfile.BatchFile, list[batchfile.Row]]:
    """Every row of the file (:mod:`onboard.intake.batchfile`, the reader ``onboard check``
    uses); :class:`InputError` when the file as a whole is unusable."""
    opened = batchfile.read_all(data, fmt, ruleset=ruleset, limits=limits())
    return opened, list(opened.rows)


def _column_text(text: str | None) -> str | None:
    """``text`` as a text column can hold it: the ref and label are read before the row is
    validated (which refuses control characters), and PostgreSQL refuses a NUL outright."""
    if text is None:
        return None
    return "".join(c for c in text if c in "\t\n" or unicodedata.category(c) != "Cc")


def _stored(item: batchfile.Row) -> dict[str, Any]:
    """A row as it is stored before it is checked: its payload, the client it names and
    the agency's ref (what is known before checking), and errors the reader found."""
    if isinstance(item.payload, dict):
        payload: dict[str, Any] = {"csv": item.payload}
        ref, label, errors = item.ref, item.client(), item.errors
    else:
        payload = {"json": item.payload.decode("utf-8", "replace")}
        try:
            decoded = batchfile.decode(item.payload)
            ref, label, errors = decoded.ref, decoded.client, item.errors
        except InputError as exc:
            ref, label, errors = None, None, exc.errors
    return {
        "row": item.row,
        "line": item.line,
        "payload": payload,
        "ref": _column_text(ref),
        "label": _column_text(label),
        "errors": errors,
    }


# --- creating a batch ------------------------------------------------------------------------


def create_batch(
    agency: Agency,
    data: bytes,
    filename: str,
    *,
    media_type: str | None = None,
    documents: IO[bytes] | None = None,
    idempotency_key: str | None = None,
    as_of: date | None = None,
    rules_version: str | None = None,
) -> tuple[Batch, bool]:
    """Store a new batch and start checking it: (batch, True); or, for an
    ``idempotency_key`` this agency used before with the same upload, that batch: (batch,
    False). The same key with a different upload is an error (422)."""
    digest = _request_hash(data, documents, as_of, rules_version)
    if idempotency_key is not None:
        earlier = find_by_idempotency_key(agency, idempotency_key, digest)
        if earlier is not None:
            return earlier, False
    fmt = batchfile.file_format(filename, media_type)
    when = as_of or date.today()
    ruleset = choose_ruleset(rules_version, when)
    opened, rows = read_upload(data, fmt, ruleset)
    unpacked = _unpack(documents, ruleset) if documents is not None else None
    batch = Batch(
        agency_id=agency.id,
        filename=documents_zip.normalize_name(filename) or "upload",
        format=fmt,
        encoding=opened.encoding if fmt == "csv" else None,
        total=len(rows),
        rules_version=ruleset.version,
        as_of=when.isoformat(),
        documents=unpacked.files if unpacked else None,
        idempotency_key=idempotency_key,
        request_hash=digest,
    )
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError:  # the same key, uploaded at the same moment: that one wins
        db.session.rollback()
        earlier = find_by_idempotency_key(agency, idempotency_key or "", digest)
        if earlier is None:
            raise
        return earlier, False
    _insert_rows(batch, rows)
    db.session.commit()
    start(batch)
    return batch, True


def _request_hash(
    data: bytes, documents: IO[bytes] | None, as_of: date | None, rules_version: str | None
) -> str:
    digest = hashlib.sha256(data)
    if documents is not None:
        documents.seek(0)
        for chunk in iter(lambda: documents.read(1 << 16), b""):
            digest.update(chunk)
        documents.seek(0)
    digest.update(f"|{as_of}|{rules_version}".encode())
    return digest.hexdigest()


def find_by_idempotency_key(agency: Agency, key: str, digest: str) -> Batch | None:
    earlier = db.session.scalar(
        select(Batch).where(Batch.agency_id == agency.id, Batch.idempotency_key == key)
    )
    if earlier is not None and earlier.request_hash != digest:
        raise InputError(
            {"Idempotency-Key": ["This key was used for a different upload; use a new key."]},
            status=422,
        )
    return earlier


def _unpack(stream: IO[bytes], ruleset: RuleSet) -> documents_zip.Unpacked:
    store = repository.document_store()
    return documents_zip.unpack(
        stream,
        store.put,
        max_member=ruleset.max_bytes,
        max_total=int(_setting("ONBOARD_BATCH_MAX_UNZIPPED_BYTES", 1024 * 1024 * 1024)),
        max_members=int(_setting("ONBOARD_BATCH_MAX_DOCUMENTS", 20_000)),
    )


def _with_batch_duplicates(rows: list[batchfile.Row]) -> list[dict[str, Any]]:
    """Each row's payload, with the rows of the batch sharing its unique values (RULES.md
    §6: checked within the batch) under ``batch_duplicates``: field -> row numbers."""
    shared = within_batch(
        (item.row, batchfile.unique_values_of(item.payload)) for item in rows if not item.errors
    )
    return [
        {
            field: [other.row for other in others]
            for field, others in shared.get(item.row, {}).items()
        }
        for item in rows
    ]


def _insert_rows(batch: Batch, rows: list[batchfile.Row]) -> None:
    now = utcnow()
    values = []
    for item, duplicates in zip(rows, _with_batch_duplicates(rows), strict=True):
        stored = _stored(item)
        stored["payload"]["batch_duplicates"] = duplicates
        failed = bool(stored["errors"])
        values.append(
            {
                "batch_id": batch.id,
                **stored,
                "state": "error" if failed else "pending",
                "finished_at": now if failed else None,
            }
        )
    for start_at in range(0, len(values), 1000):
        db.session.execute(insert(BatchRow), values[start_at : start_at + 1000])


def chunks(batch: Batch) -> Iterator[tuple[int, int]]:
    size = int(_setting("ONBOARD_BATCH_CHUNK_ROWS", 100))
    for first in range(1, batch.total + 1, size):
        yield first, min(first + size - 1, batch.total)


def start(batch: Batch, *, only_pending: bool = False) -> int:
    """Enqueue the jobs of ``batch`` (with ``only_pending``: of chunks with rows left)."""
    wanted = list(chunks(batch))
    if only_pending:
        left = set(
            db.session.scalars(
                select(BatchRow.row).where(
                    BatchRow.batch_id == batch.id, BatchRow.state == "pending"
                )
            )
        )
        wanted = [(a, b) for a, b in wanted if any(a <= row <= b for row in left)]
    for first, last in wanted:
        jobs.enqueue("batch.chunk", batch.id, first, last)
    if not wanted:
        finish_if_complete(batch.id)
    return len(wanted)


def resume_if_stalled(batch: Batch, *, now: bool = False) -> bool:
    """Enqueue again the chunks of a running batch that made no progress for
    ``ONBOARD_BATCH_STALL_SECONDS`` (its jobs were lost with a process), or at once with
    ``now``; harmless if they were only slow, as jobs are idempotent."""
    stall = timedelta(seconds=0 if now else float(_setting("ONBOARD_BATCH_STALL_SECONDS", 600)))
    if batch.state != "running" or utcnow() - batch.progressed_at < stall:
        return False
    batch.progressed_at = utcnow()
    db.session.commit()
    start(batch, only_pending=True)
    return True


@jobs.job(jobs.SWEEP_JOB, max_retries=0)
def sweep_stalled(everything: bool = False) -> int:
    """Resume the running batches that stalled (every running one with ``everything``: at
    the start of an embedded server, whose job threads died with the process before); how
    many were resumed. Their completion webhook still goes out once (``finish_if_complete``
    flips a batch to done with a compare-and-set)."""
    resumed = 0
    for batch_id in db.session.scalars(select(Batch.id).where(Batch.state == "running")).all():
        batch = db.session.get(Batch, batch_id)
        if batch is not None and resume_if_stalled(batch, now=everything):
            resumed += 1
    db.session.commit()
    if resumed:
        current_app.logger.info("resumed %d stalled batch(es)", resumed)
    return resumed


# --- checking rows (the job) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowResult:
    id: int
    values: dict[str, Any]


@jobs.job("batch.chunk", max_retries=8, backoff=1.0)
def check_chunk(batch_id: int, first: int, last: int) -> None:
    """Check the pending rows ``first..last`` of a batch; idempotent (see the module doc)."""
    batch = db.session.get(Batch, batch_id)
    if batch is None or batch.state == "done":
        return
    pending = db.session.execute(
        select(BatchRow.id, BatchRow.payload).where(
            BatchRow.batch_id == batch_id,
            BatchRow.row.between(first, last),
            BatchRow.state == "pending",
        )
    ).all()
    context = RowContext.of(batch)
    db.session.commit()  # judge outside any transaction (SQLite: no write lock held)
    results = [context.judge(row_id, payload) for row_id, payload in pending]
    now = utcnow()
    try:
        _store_results(results, now)
    except DBAPIError as exc:
        if _transient(exc):
            raise  # the database is away: the job is retried
        db.session.rollback()
        _store_one_by_one(results, now)
    db.session.execute(update(Batch).where(Batch.id == batch_id).values(progressed_at=now))
    db.session.commit()
    finish_if_complete(batch_id)


def _transient(exc: DBAPIError) -> bool:
    return bool(exc.connection_invalidated) or isinstance(exc, OperationalError)


def _store_one_by_one(results: list[RowResult], now: datetime) -> None:
    """After a chunk's results could not be stored together: each on its own, and a row
    whose result the database refuses becomes an error row saying so (the batch finishes)."""
    for result in results:
        try:
            _store_results([result], now)
            db.session.commit()
        except DBAPIError as exc:
            if _transient(exc):
                raise
            db.session.rollback()
            current_app.logger.warning(
                "batch row %s: result not stored: %s", result.id, type(exc.orig).__name__
            )
            errors = {"_row": [NOT_STORED(problem=one_line(str(exc.orig), 200))]}
            _store_results([RowResult(result.id, {"state": "error", "errors": errors})], now)
            db.session.commit()


def _store_results(results: list[RowResult], now: datetime) -> None:
    """Write results, each only over a row still ``pending`` (one statement per kind of
    result, executed for many rows at once)."""
    table = BatchRow.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for result in results:
        columns = tuple(sorted(result.values))
        groups.setdefault(columns, []).append(
            {
                "row_id": result.id,
                "finished": now,
                **{f"v_{k}": v for k, v in result.values.items()},
            }
        )
    for columns, params in groups.items():
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.state == "pending")
            .values(
                {
                    **{name: bindparam(f"v_{name}") for name in columns},
                    "finished_at": bindparam("finished"),
                }
            )
        )
        db.session.execute(statement, params)


@dataclass(frozen=True, slots=True)
class RowContext:
    """What judging a row of one batch needs, read once per chunk."""

    ruleset: RuleSet
    as_of: date
    documents: Mapping[str, str] | None
    read_license: bool

    @classmethod
    def of(cls, batch: Batch) -> RowContext:
        return cls(
            ruleset=ruleset_by_version(batch.rules_version),
            as_of=date.fromisoformat(batch.as_of),
            documents=batch.documents,
            read_license=bool(_setting("ONBOARD_OCR", True)),
        )

    def judge(self, row_id: int, payload: Mapping[str, Any]) -> RowResult:
        try:
            application = self.application(payload)
            shared = payload.get("batch_duplicates")
            duplicates = (
                None  # stored before batches were checked within themselves
                if shared is None
                else {
                    field: tuple(Duplicate(f"row {row}", row=row) for row in rows)
                    for field, rows in shared.items()
                }
            )
            report = self.report(application, duplicates)
        except InputError as exc:
            return RowResult(row_id, {"state": "error", "errors": exc.errors})
        except Exception:  # a bug must cost one row, not the batch (logged for us)
            current_app.logger.exception("batch row %s could not be checked", row_id)
            errors = {"_schema": [NOT_CHECKED()]}
            return RowResult(row_id, {"state": "error", "errors": errors})
        return RowResult(row_id, result_values(report, application, self.ruleset))

    def application(self, payload: Mapping[str, Any]) -> Application:
        """The row's application, read as ``onboard check`` reads it (:func:`read_row`)."""
        errors = None
        if "json" in payload:
            content = payload["json"]
        else:
            content = dict(payload["csv"])
            if content.pop("_surplus", None) is not None:  # rows stored before the reader
                errors = {"_row": ["More cells than columns."]}
        read = batchfile.read_row(content, self.ruleset, errors=errors)
        if read.application is None:
            raise InputError(read.errors or {})
        return read.application

    def report(
        self,
        application: Application,
        batch_duplicates: Mapping[str, tuple[Duplicate, ...]] | None = None,
    ) -> Report:
        # A document named but not in the zip (or with no zip) stays declared: reported as
        # declared and not inspected, as ``onboard check`` does for a file not on disk.
        files: dict[str, Any] = {}
        if self.documents is not None:
            store = repository.document_store()
            for kind, name in application.documents.items():
                digest = self.documents.get(documents_zip.normalize_name(name) or "")
                if digest is not None:
                    files[kind] = store.read(digest)
        return prescreen(
            application,
            documents=files,
            ruleset=self.ruleset,
            as_of=self.as_of,
            read_license=self.read_license,
            batch_duplicates=batch_duplicates,
        )


def result_values(report: Report, application: Application, ruleset: RuleSet) -> dict[str, Any]:
    """The columns of a checked row, from its summary (:func:`report.client_line`)."""
    changes = [change.to_dict() for change in changes_for(report, application, ruleset)]
    summary = client_line(report, application, changes, row=0, line=None, ref=None)
    return {
        "state": "done",
        "verdict": summary.verdict,
        "report_z": zlib.compress(compact_report(report), 1),
        "changes": list(summary.changes),
        "failed_codes": ";".join(summary.codes) or None,
        "label": summary.label,
    }


def finish_if_complete(batch_id: int) -> bool:
    """Mark the batch done once no row is pending; True for the one caller that did it
    (and, when the agency has a webhook, queued its notice)."""
    left = db.session.scalar(
        select(func.count())
        .select_from(BatchRow)
        .where(BatchRow.batch_id == batch_id, BatchRow.state == "pending")
    )
    if left:
        db.session.commit()
        return False
    flipped = db.session.execute(
        update(Batch)
        .where(Batch.id == batch_id, Batch.state == "running")
        .values(state="done", finished_at=utcnow())
    )
    if getattr(flipped, "rowcount", 0) != 1:
        db.session.commit()
        return False
    batch = db.session.get(Batch, batch_id)
    agency = db.session.get(Agency, batch.agency_id) if batch else None
    delivery = None
    if agency is not None and agency.webhook_url:
        delivery = WebhookDelivery(batch_id=batch_id)
        db.session.add(delivery)
    db.session.commit()
    if delivery is not None:
        jobs.enqueue("webhook.deliver", delivery.id)
    return True


# --- reading results -----------------------------------------------------------------------


def get_batch(agency: Agency, public_id: str) -> Batch | None:
    """The agency's own batch; another agency's id is the same as an unknown one."""
    return db.session.scalar(
        select(Batch).where(Batch.public_id == public_id, Batch.agency_id == agency.id)
    )


def list_batches(agency: Agency, limit: int = 100) -> list[Batch]:
    return list(
        db.session.scalars(
            select(Batch).where(Batch.agency_id == agency.id).order_by(Batch.id.desc()).limit(limit)
        )
    )


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    done: int
    failed: int
    pending: int
    verdicts: dict[str, int]


def progress(batch: Batch) -> Progress:
    """Rows done (checked or refused), failed (bad input), pending; verdict counts."""
    counts = dict(
        db.session.execute(
            select(BatchRow.state, func.count())
            .where(BatchRow.batch_id == batch.id)
            .group_by(BatchRow.state)
        ).all()
    )
    verdicts = dict(
        db.session.execute(
            select(BatchRow.verdict, func.count())
            .where(BatchRow.batch_id == batch.id, BatchRow.state == "done")
            .group_by(BatchRow.verdict)
        ).all()
    )
    pending = counts.get("pending", 0)
    return Progress(
        total=batch.total,
        done=batch.total - pending,
        failed=counts.get("error", 0),
        pending=pending,
        verdicts={v.value: int(verdicts.get(v.value, 0)) for v in Verdict},
    )


def rows(batch: Batch, *, offset: int = 0, limit: int | None = None) -> Iterator[BatchRow]:
    """The batch's rows in order (all of them, streamed, unless ``limit``)."""
    query = (
        select(BatchRow).where(BatchRow.batch_id == batch.id).order_by(BatchRow.row).offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    yield from db.session.scalars(query.execution_options(yield_per=500))


def get_row(batch: Batch, row: int) -> BatchRow | None:
    return db.session.scalar(
        select(BatchRow).where(BatchRow.batch_id == batch.id, BatchRow.row == row)
    )


def report_of(row: BatchRow) -> dict[str, Any] | None:
    if row.report_z is None:
        return None
    loaded: dict[str, Any] = json.loads(zlib.decompress(row.report_z))
    return loaded


def batch_dict(batch: Batch) -> dict[str, Any]:
    """A batch as the API shows it."""
    done = progress(batch)
    return {
        "id": batch.public_id,
        "state": batch.state,
        "filename": batch.filename,
        "format": batch.format,
        "encoding": batch.encoding,
        "rules_version": batch.rules_version,
        "as_of": batch.as_of,
        "total": done.total,
        "done": done.done,
        "failed": done.failed,
        "pending": done.pending,
        "verdicts": done.verdicts,
        "created_at": _iso(batch.created_at),
        "finished_at": _iso(batch.finished_at),
        "documents": len(batch.documents) if batch.documents is not None else None,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def row_dict(row: BatchRow, *, with_report: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "row": row.row,
        "line": row.line,
        "ref": row.ref,
        "state": row.state,
        "label": row.label,
        "verdict": row.verdict,
    }
    if row.state == "error":
        out["errors"] = row.errors
    if row.state == "done":
        out["changes"] = row.changes or []
        if with_report:
            out["report"] = report_of(row)
    return out


def client_lines(
    batch: Batch,
    *,
    verdict: str | None = None,
    rule: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[ClientLine]:
    """The batch's rows as report lines (only the columns they need: no report, no
    payload is loaded); with ``verdict`` (a verdict, ``error`` or ``pending``) and ``rule``
    (a failing or missing rule's code) only the rows that have them."""
    query = (
        select(
            BatchRow.row,
            BatchRow.line,
            BatchRow.ref,
            BatchRow.label,
            BatchRow.state,
            BatchRow.verdict,
            BatchRow.failed_codes,
            BatchRow.changes,
            BatchRow.errors,
        )
        .where(BatchRow.batch_id == batch.id)
        .order_by(BatchRow.row)
        .offset(offset)
        .execution_options(yield_per=1000)
    )
    if verdict in ("error", "pending"):
        query = query.where(BatchRow.state == verdict)
    elif verdict:
        query = query.where(BatchRow.verdict == verdict)
    if rule:
        # ";"-joined codes: the LIKE narrows, the exact test below decides (no prefix match).
        query = query.where(BatchRow.failed_codes.contains(rule, autoescape=True))
    if limit is not None:
        query = query.limit(limit)
    for row, line, ref, label, state, found, codes, changes, errors in db.session.execute(query):
        if rule and rule not in (codes or "").split(";"):
            continue
        yield ClientLine(
            row=row,
            line=line,
            ref=ref,
            label=label,
            verdict=found or ("error" if state == "error" else "pending"),
            codes=tuple(codes.split(";")) if codes else (),
            changes=tuple(changes or ()),
            errors=errors,
        )


# --- from a screened client to an applicant ---------------------------------------------------


def start_application(
    batch: Batch, row: BatchRow, locale: str = "zh"
) -> tuple[ApplicationRecord, str]:
    """The applicant's draft for a checked row, and a new private link token to it.

    The draft holds the row's data (not its documents: the client uploads those on the
    form, and nothing is judged "as of" the batch's date) and records the agency. Asked
    again for the same row, the same draft (while it is still a draft) gets a new link. The
    token is returned once, to be shown once; only its hash is stored (the repository's
    rules for every private link), and it is never logged. :class:`InputError` (409) for a
    row that was not checked (input errors, pending) or whose draft was submitted since.
    """
    if row.state != "done":
        raise InputError({"row": [NOT_CHECKED_ROW()]}, status=409)
    record = db.session.get(ApplicationRecord, row.application_id) if row.application_id else None
    if record is not None and record.state != "draft":
        raise InputError({"row": [SUBMITTED_ALREADY()]}, status=409)
    if record is None:
        application = RowContext.of(batch).application(row.payload)
        data = application_to_dict(application)
        data.pop("as_of", None)
        data.pop("documents", None)
        record = repository.create_draft(locale=locale)
        repository.save_sections(record, data)
        record.agency_id = batch.agency_id
        row.application_id = record.id
        audit.record(
            "agency_application_created",
            record,
            actor="agency",
            agency=batch.agency_id,
            batch=batch.public_id,
            row=row.row,
        )
    token = repository.issue_resume_token(record)
    db.session.commit()
    return record, token
