"""What ``onboard check`` carries from row to output: the settings of a run (sent once to each
worker process), whom a row is about, a row's outcome, and what the run gathers for the
summary table and the HTML report."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from onboard.agencies.report import ClientLine
from onboard.eligibility.model import Duplicate

FORMATS = ("json", "text", "csv")


@dataclass(frozen=True, slots=True)
class Settings:
    """What checking a row needs besides the row; sent once to each worker process."""

    base_dir: Path
    as_of: date
    read_license: bool
    output: str
    lang: str
    colour: bool
    single: bool = False
    # Agencies (issue 6): documents looked up here instead of next to the file; what must
    # change in the output; per-row lines kept for the summary table and the HTML report.
    documents_dir: Path | None = None
    explain: bool = False
    collect: bool = False
    #: A batch's rows that share a unique value with other rows (RULES.md §6), by row;
    #: None for a single application (its uniqueness is checked at submission).
    batch_duplicates: dict[int, dict[str, tuple[Duplicate, ...]]] | None = None


class Who(NamedTuple):
    """Whom an output line is about: the row, the line it starts on, the agency's ref and
    the client it names (kept on error rows too)."""

    row: int
    line: int
    ref: str | None
    client: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    row: int
    line: int
    code: int  # 0 eligible, 1 not eligible, 2 bad input
    text: bytes  # rendered in the output format, UTF-8
    error: str | None = None  # one-line summary of bad input
    client: ClientLine | None = None  # with Settings.collect


@dataclass(slots=True)
class Gathered:
    """What one ``check`` gathers for the summary table and the HTML report (with
    ``Settings.collect``): the per-row lines, and how a CSV file was decoded."""

    lines: list[ClientLine] = dataclasses.field(default_factory=list)
    encoding: str | None = None
