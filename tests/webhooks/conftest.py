"""A real HTTP receiver on 127.0.0.1 that verifies every request with the Standard
Webhooks reference library (standardwebhooks), answering as each test scripts it."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from moderation.models import WebhookEndpoint
from moderation.webhooks.signing import secret_generate


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    payload: Any  # what the library verified and parsed; None if verification failed
    error: str


@dataclass
class Receiver:
    """What it answers next (status, headers), in order; 200 once the script is done."""

    url: str
    secret: str
    script: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return list(self.received)


def make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {key.lower(): value for key, value in self.headers.items()}
            try:
                payload, error = Webhook(receiver.secret).verify(body, headers), ""
            except WebhookVerificationError as exc:
                payload, error = None, str(exc)
            status, extra = receiver.script.pop(0) if receiver.script else (200, {})
            if error:
                status, extra = 401, {}
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"ok": not error}).encode())
            with receiver.arrived:
                receiver.received.append(Received(self.path, headers, body, payload, error))
                receiver.arrived.notify_all()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    secret = secret_generate()
    receiver = Receiver(url="", secret=secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/stammtisch"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def local_receivers_allowed(settings) -> None:
    """This test's receiver listens on 127.0.0.1 over http: allowed explicitly."""
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.WEBHOOK_ALLOW_HTTP = True


@pytest.fixture
def endpoint(db, receiver: Receiver, local_receivers_allowed) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(url=receiver.url, secret=receiver.secret, description="Newsroom")
