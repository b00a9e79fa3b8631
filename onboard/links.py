"""Links the service hands out (in emails, webhook payloads, reports, the applicant's pages)
are built from ``ONBOARD_BASE_URL``, never from the request: a request naming
``Host: evil.test`` must not make the official sender mail a link to evil.test.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    """The absolute URL of ``endpoint`` under ``ONBOARD_BASE_URL`` (also outside a request:
    background jobs build links too)."""
    base = urlsplit(current_app.config["ONBOARD_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)
