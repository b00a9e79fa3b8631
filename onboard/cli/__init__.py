"""The ``onboard`` command (``[project.scripts]``): one module per command family.

* :mod:`onboard.cli.check`: ``onboard check`` — pre-screen applications from files (its
  rows in :mod:`~onboard.cli.rows`, chunks and worker processes in :mod:`~onboard.cli.pool`,
  output in :mod:`~onboard.cli.render` and :mod:`~onboard.cli.output`, the agencies'
  summary and HTML report in :mod:`~onboard.cli.offline`);
* :mod:`onboard.cli.ocr`: ``onboard ocr`` — read a license image;
* :mod:`onboard.cli.serve`: ``onboard serve`` — the web app and the API;
* :mod:`onboard.cli.accounts`: ``onboard users`` (desk accounts) and
  :mod:`onboard.cli.agencies`: ``onboard agencies`` and ``onboard keys``;
* :mod:`onboard.cli.privacy`: ``onboard privacy`` — export, erase, purge drafts.

Exit status and output are CONTRACT.md's; every usage problem is one line on stderr
(:class:`~onboard.cli.group.OnboardGroup`).
"""

from __future__ import annotations

import click

from onboard.cli.group import OnboardGroup


@click.group(
    cls=OnboardGroup,
    commands={
        "check": "onboard.cli.check:check",
        "ocr": "onboard.cli.ocr:ocr",
        "serve": "onboard.cli.serve:serve",
        "users": "onboard.cli.accounts:users",
        "agencies": "onboard.cli.agencies:agencies",
        "keys": "onboard.cli.agencies:keys_group",
        "privacy": "onboard.cli.privacy:privacy",
    },
)
@click.version_option(package_name="onboard")
def main() -> None:
    """Pre-screen sellers against TikTok Shop's US cross-border entry rules."""
