"""The locust scenario of ``load_bench``: applicants filling the form and agencies screening.

Run by ``load_bench`` as ``locust -f`` in its own process (locust patches the standard
library with gevent, which must not happen inside the benchmark runner or pytest).

* **Applicants** (3 in 4 users): open a draft, save the company, contact and store steps, upload
  a small ID photo, look at the documents and review pages — each with the form's CSRF token,
  like a browser; a few seconds of reading between pages.
* **Agencies** (1 in 4): ``POST /api/v1/prescreen`` with distinct generated applications
  (``ONBOARD_LOAD_BODIES``: a JSON Lines file written by ``load_bench``).

URLs carrying a private token are reported under one name (``/apply/[token]/…``).
"""

from __future__ import annotations

import io
import itertools
import os
import re
from pathlib import Path

from locust import HttpUser, between, task
from PIL import Image

from tests.applyflow import step_data
from tests.factories import eligible

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_BODIES = Path(os.environ["ONBOARD_LOAD_BODIES"]).read_text(encoding="utf-8").splitlines()
_NEXT_BODY = itertools.cycle(_BODIES)


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((320, 200), 60).convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


PHOTO = _photo()
#: What an eligible seller types on each step (the form's field names are dotted paths).
STEPS = {step: step_data(eligible(), step) for step in ("company", "contact", "store")}


class Applicant(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    def on_start(self) -> None:
        start = self.client.get("/apply/", name="/apply/")
        found = _CSRF.search(start.text)
        self.csrf = found[1] if found else ""
        created = self.client.post("/apply/", data={"csrf_token": self.csrf}, name="/apply/ (new)")
        self.base = created.url.split("/company")[0] if created.url else ""
        # A new applicant's first act is the company step; it also means every run, however
        # short, has saved a step (the smoke test asks for each request kind).
        self._save("company")

    def _save(self, step: str) -> None:
        self.client.post(
            f"{self.base}/{step}",
            data={"csrf_token": self.csrf, "go": "stay", **STEPS[step]},
            name=f"/apply/[token]/{step} (save)",
        )

    @task(3)
    def save_steps(self) -> None:
        for step in STEPS:
            self._save(step)

    @task(2)
    def upload_photo(self) -> None:
        self.client.post(
            f"{self.base}/documents/legal_rep_id",
            data={"csrf_token": self.csrf},
            files={"file": ("id.jpg", PHOTO, "image/jpeg")},
            name="/apply/[token]/documents/legal_rep_id (upload)",
        )

    @task(2)
    def look(self) -> None:
        self.client.get(f"{self.base}/documents", name="/apply/[token]/documents")
        self.client.get(f"{self.base}/review", name="/apply/[token]/review")


class Agency(HttpUser):
    weight = 1
    wait_time = between(0.2, 1)

    @task
    def prescreen(self) -> None:
        self.client.post(
            "/api/v1/prescreen",
            data=next(_NEXT_BODY).encode("utf-8"),
            headers={"Content-Type": "application/json"},
            name="/api/v1/prescreen",
        )
