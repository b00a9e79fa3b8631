"""Webhooks: HMAC-SHA256 signatures, and delivery to a real receiver on loopback, retried
with back-off until it answers 2xx (or the attempts run out)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from onboard.agencies import webhooks
from onboard.extensions import db
from onboard.models import Agency, WebhookDelivery
from tests.agencyhelpers import agency_with_key, csv_file, upload, wait_done
from tests.conftest import make_app
from tests.factories import eligible


class Receiver:
    """An HTTP server on 127.0.0.1 answering the given statuses in turn (then the last)."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.requests: list[tuple[dict[str, str], bytes, float]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body, time.monotonic()))
                index = min(len(receiver.requests), len(receiver.statuses)) - 1
                self.send_response(receiver.statuses[index])
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/onboard"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    with Receiver(request.param) as running:
        yield running


def test_signature_round_trip_and_tampering():
    body = b'{"event":"batch.completed"}'
    now = int(time.time())
    signature = webhooks.sign("whsec_x", now, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert webhooks.verify("whsec_x", str(now), body, signature)
    assert not webhooks.verify("whsec_y", str(now), body, signature)
    assert not webhooks.verify("whsec_x", str(now), body + b" ", signature)
    assert not webhooks.verify(
        "whsec_x", str(now - 3600), body, webhooks.sign("whsec_x", now - 3600, body)
    )
    assert not webhooks.verify("whsec_x", "soon", body, signature)


def _delivery(app):
    with app.app_context():
        return db.session.scalar(db.select(WebhookDelivery))


def _wait_for(app, state: str, timeout: float = 20.0) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = _delivery(app)
        if delivery is not None and delivery.state == state:
            return delivery
        time.sleep(0.05)
    raise AssertionError(f"delivery not {state}: {_delivery(app)}")


@pytest.mark.parametrize("receiver", [[500, 503, 200]], indirect=True)
def test_signed_post_retried_with_backoff_until_accepted(tmp_path, receiver):
    app = make_app(
        tmp_path,
        ONBOARD_WEBHOOK_ALLOW_PRIVATE=True,
        ONBOARD_WEBHOOK_BACKOFF=0.2,
        ONBOARD_WEBHOOK_ATTEMPTS=5,
    )
    _, key = agency_with_key(app, "Hooked", webhook_url=receiver.url)
    with app.app_context():
        secret = db.session.scalar(db.select(Agency.webhook_secret))
    client = app.test_client()
    batch_id = upload(client, key, csv_file([eligible()])).json["id"]
    wait_done(client, key, batch_id)
    delivery = _wait_for(app, "delivered")
    assert (delivery.attempts, delivery.last_status) == (3, 200)
    assert len(receiver.requests) == 3
    times = [moment for _, _, moment in receiver.requests]
    assert times[1] - times[0] >= 0.18 and times[2] - times[1] >= 0.38  # 0.2 s, then 0.4 s
    for headers, body, _ in receiver.requests:
        assert webhooks.verify(
            secret, headers["X-Onboard-Timestamp"], body, headers["X-Onboard-Signature"]
        )
        assert headers["X-Onboard-Delivery"] == str(delivery.id)
        payload = json.loads(body)
        assert payload["event"] == "batch.completed"
        assert (payload["batch"]["id"], payload["batch"]["state"]) == (batch_id, "done")
        assert payload["batch"]["total"] == payload["batch"]["done"] == 1


@pytest.mark.parametrize("receiver", [[500]], indirect=True)
def test_delivery_gives_up_after_its_attempts(tmp_path, receiver):
    app = make_app(
        tmp_path,
        ONBOARD_WEBHOOK_ALLOW_PRIVATE=True,
        ONBOARD_WEBHOOK_BACKOFF=0.05,
        ONBOARD_WEBHOOK_ATTEMPTS=3,
    )
    _, key = agency_with_key(app, "Down", webhook_url=receiver.url)
    client = app.test_client()
    wait_done(client, key, upload(client, key, csv_file([eligible()])).json["id"])
    delivery = _wait_for(app, "failed")
    assert delivery.attempts == 3 and len(receiver.requests) == 3 and delivery.last_status == 500


def test_no_receiver_is_retried_and_recorded(tmp_path):
    app = make_app(
        tmp_path,
        ONBOARD_WEBHOOK_ALLOW_PRIVATE=True,
        ONBOARD_WEBHOOK_BACKOFF=0.05,
        ONBOARD_WEBHOOK_ATTEMPTS=2,
    )
    with Receiver([200]) as gone:
        url = gone.url
    _, key = agency_with_key(app, "Nobody home", webhook_url=url)
    client = app.test_client()
    wait_done(client, key, upload(client, key, csv_file([eligible()])).json["id"])
    delivery = _wait_for(app, "failed")
    assert delivery.attempts == 2 and delivery.last_status is None and delivery.last_error


def test_no_webhook_no_delivery(app, client):
    _, key = agency_with_key(app, "Quiet")
    wait_done(client, key, upload(client, key, csv_file([eligible()])).json["id"])
    assert _delivery(app) is None
