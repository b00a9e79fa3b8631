"""``onboard agencies …`` and ``onboard keys …``: what an admin does from a shell.

A key is printed once, when created, and never again (only its hash is kept). Commands
migrate the database first, so they work on a fresh set-up.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import click
from flask_migrate import upgrade

from onboard import create_app
from onboard.agencies import keys, users
from onboard.config import ConfigError
from onboard.errors import InputError
from onboard.extensions import db


def _fail(message: str) -> NoReturn:
    click.echo(f"onboard: error: {message}", err=True)
    sys.exit(2)


@contextmanager
def _app() -> Iterator[Any]:
    try:
        app = create_app()
    except ConfigError as exc:
        _fail(str(exc))
    with app.app_context():
        upgrade()
        yield app


def _agency(reference: str) -> Any:
    agency = keys.find_agency(reference)
    if agency is None:
        _fail(f"no agency {reference!r} (give its name or AG-… id)")
    return agency


def _guard(action: Callable[[], None]) -> None:
    try:
        action()
    except InputError as exc:
        _fail(exc.summary())


@click.group("agencies")
def agencies() -> None:
    """Partner agencies: create and list them."""


@agencies.command("create")
@click.argument("name")
@click.option("--webhook", metavar="URL", help="POST a signed notice here when a batch is done.")
def agencies_create(name: str, webhook: str | None) -> None:
    """Create the agency NAME (prints its id, and the webhook secret when a URL is given)."""
    with _app():

        def create() -> None:
            agency = keys.create_agency(name, webhook_url=webhook)
            db.session.commit()
            click.echo(f"created agency {agency.public_id} {agency.name}")
            if agency.webhook_secret:
                click.echo(f"webhook secret (shown once): {agency.webhook_secret}")

        _guard(create)


@agencies.command("list")
def agencies_list() -> None:
    """Every agency with its number of live keys."""
    with _app():
        for agency in keys.list_agencies():
            live = sum(1 for key in agency.keys if key.revoked_at is None)
            click.echo(f"{agency.public_id}  {agency.name}  keys: {live}")


@agencies.command("invite")
@click.argument("agency")
@click.argument("email")
@click.option("--name", default="", help="The person's name as the portal shows it.")
@click.option(
    "--base-url",
    default="http://localhost:8000",
    show_default=True,
    help="Where the service is reached (the link is printed under it).",
)
def agencies_invite(agency: str, email: str, name: str, base_url: str) -> None:
    """Invite EMAIL to AGENCY's portal: prints the invitation link, shown this once."""
    with _app():

        def create() -> None:
            person, token = users.invite(_agency(agency), email, name)
            db.session.commit()
            click.echo(f"invited {person.email} to {person.agency.name}; link shown once:")
            click.echo(f"{base_url.rstrip('/')}/agency/invitation/{token}")

        _guard(create)


@click.group("keys")
def keys_group() -> None:
    """API keys of agencies: create (shown once), list, revoke."""


@keys_group.command("create")
@click.argument("agency")
@click.option("--name", default="default", show_default=True, help="What the key is for.")
def keys_create(agency: str, name: str) -> None:
    """Create a key for AGENCY (name or id) and print it: it is shown this once only."""
    with _app():

        def create() -> None:
            record, key = keys.create_key(_agency(agency), name)
            db.session.commit()
            click.echo(f"key {record.id} ({record.name}) for {record.agency.name}; shown once:")
            click.echo(key)

        _guard(create)


@keys_group.command("list")
@click.argument("agency")
def keys_list(agency: str) -> None:
    """The keys of AGENCY: id, prefix, name, created, last used, revoked."""
    with _app():
        for key in _agency(agency).keys:
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "live"
            used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
            click.echo(f"{key.id}  {key.prefix}…  {key.name}  last used {used}  {state}")


@keys_group.command("revoke")
@click.argument("key")
def keys_revoke(key: str) -> None:
    """Revoke KEY (its id or prefix, as `onboard keys list` shows): it stops working now."""
    with _app():
        record = keys.find_key(key.rstrip("…"))
        if record is None:
            _fail(f"no key {key!r} (give its id or prefix)")
        changed = keys.revoke_key(record)
        db.session.commit()
        click.echo(f"key {record.id} {'revoked' if changed else 'was already revoked'}")
