"""The ``onboard`` command group: one line on stderr and exit status 2 for every usage
problem, and each command's module imported only when that command runs."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import click

from onboard.errors import one_line


class FileInputError(Exception):
    """The input as a whole cannot be read (exit 2, one line naming what is wrong)."""


def complain(message: str) -> None:
    """The one way a command reports a problem: ``onboard: error: …`` on one line."""
    click.echo(f"onboard: error: {one_line(message)}", err=True)


class OnboardGroup(click.Group):
    """Click prints a usage block for a bad option; onboard promises one line on stderr and
    exit status 2, so errors are caught here, for the console script and CliRunner alike.

    ``commands`` names each command's module and attribute (``"onboard.cli.serve:serve"``):
    a command is imported when it runs (or ``--help`` lists it), so that ``onboard serve``
    never loads the rule engine and ``onboard check`` never loads Flask's app factory."""

    def __init__(self, *args: Any, commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            module, _, name = self.lazy_commands[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), name)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc), err=True)
            code = 2
        except click.ClickException as exc:
            complain(f"{exc.format_message()} (see 'onboard --help')")
            code = exc.exit_code
        except click.Abort:
            complain("aborted")
            code = 130
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)
