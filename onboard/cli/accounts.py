"""``onboard users``: accounts of the reviewer desk (the first admin; admins add the others
on the desk)."""

from __future__ import annotations

import click
from flask_migrate import upgrade

from onboard import audit, auth, create_app
from onboard.cli.group import complain
from onboard.config import ConfigError
from onboard.extensions import db


@click.group()
def users() -> None:
    """Accounts of the reviewer desk (the first admin; admins add the others on the desk)."""


@users.command("create")
@click.option("--email", required=True, help="The login: the person's email address.")
@click.option("--name", default="", help="Shown on the desk (default: the email address).")
@click.option(
    "--role", type=click.Choice(["reviewer", "admin"]), default="admin", show_default=True
)
@click.password_option(
    envvar="ONBOARD_NEW_PASSWORD", help="At least 12 characters; asked for when not given."
)
def users_create(email: str, name: str, role: str, password: str) -> int:
    """Create a desk account (the database is migrated first, so this works on a fresh one)."""
    try:
        app = create_app()
    except ConfigError as exc:
        complain(str(exc))
        return 2
    with app.app_context():
        upgrade()
        try:
            user = auth.create_user(email, name, role, password)
        except auth.AccountError as exc:
            complain(str(exc))
            return 2
        audit.record("account_created", actor="command line", account=user.email, role=role)
        db.session.commit()
        click.echo(f"created {user.role} {user.email}")
    return 0
