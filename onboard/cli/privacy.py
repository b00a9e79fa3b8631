"""``onboard privacy``: one applicant's personal data (export, erase) and retention (purge
abandoned drafts); the work is :mod:`onboard.usecases.privacy`'s."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from onboard import create_app
from onboard.cli.group import complain
from onboard.config import ConfigError
from onboard.extensions import db
from onboard.usecases import privacy as personal


@click.group()
def privacy() -> None:
    """Applicants' personal data: export or erase one applicant's, purge abandoned drafts."""


@contextmanager
def _privacy_app() -> Iterator[Any]:
    """The app's context for an admin command (None when the settings are wrong, said on
    stderr); its database connections are closed on the way out."""
    try:
        app = create_app()
    except ConfigError as exc:
        complain(str(exc))
        yield None
        return
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@privacy.command("export")
@click.argument("public_id")
@click.option(
    "--out",
    type=click.Path(file_okay=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="A directory (the zip is named after the application) or a .zip path.",
)
def privacy_export(public_id: str, out: Path) -> int:
    """Write everything stored about one application, its files included, to a zip."""
    with _privacy_app() as app:
        if app is None:
            return 2
        try:
            result = personal.export_application(public_id, out)
        except personal.NoSuchApplication as exc:
            complain(str(exc))
            return 2
    missing = f", {len(result.missing)} missing from the store" if result.missing else ""
    click.echo(f"exported {public_id} to {result.path} ({result.files} files{missing})")
    return 0


@privacy.command("erase")
@click.argument("public_id")
@click.option("--yes", is_flag=True, help="Erase without asking.")
def privacy_erase(public_id: str, yes: bool) -> int:
    """Delete one application: its rows and its files not shared with another; audited."""
    if not yes:
        click.confirm(f"Erase application {public_id} and its documents for good?", abort=True)
    with _privacy_app() as app:
        if app is None:
            return 2
        try:
            result = personal.erase_application(public_id)
        except personal.NoSuchApplication as exc:
            complain(str(exc))
            return 2
    click.echo(
        f"erased {result.public_id}: {result.files_deleted} files deleted, "
        f"{result.files_kept} kept (used by other applications)"
    )
    return 0


@privacy.command("purge-drafts")
@click.option(
    "--older-than", default="90d", show_default=True, help="Untouched for this long: 90d, 12w."
)
@click.option("--dry-run", is_flag=True, help="List the drafts, erase nothing.")
def privacy_purge_drafts(older_than: str, dry_run: bool) -> int:
    """Erase drafts nobody has touched for a while (data retention)."""
    try:
        age = personal.parse_age(older_than)
    except ValueError as exc:
        complain(f"--older-than: {exc}")
        return 2
    with _privacy_app() as app:
        if app is None:
            return 2
        result = personal.purge_drafts(age, dry_run=dry_run)
    verb = "would erase" if dry_run else "erased"
    click.echo(f"{verb} {len(result.drafts)} drafts untouched for {older_than}")
    for public_id in result.drafts:
        click.echo(f"  {public_id}")
    if not dry_run:
        click.echo(f"{result.files_deleted} files deleted")
    return 0
