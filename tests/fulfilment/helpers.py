"""Helpers for the fulfilment tests: private storage in a temp dir, a local HTTP server standing in for
external systems (it checks our signatures itself, independently of our code), and case builders."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fulfilment import services as fulfilment
from fulfilment.models import FulfilmentTask, System
from requests_app.models import Case
from requests_app.services.cases import case_change_status
from requests_app.workflow import Status
from tests.factories import make_case

SECRET_A = "a" * 20 + "-secret-of-system-a-0123456789"
SECRET_B = "b" * 20 + "-secret-of-system-b-0123456789"
SECRET_C = "c" * 20 + "-secret-of-system-c-0123456789"


@pytest.fixture
def private_storage(settings, tmp_path):
    """Point the private (default) storage at a temp dir, so tests never touch var/private."""
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    return tmp_path / "private"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class StandIn:
    """A local HTTP server playing several external systems, one per path."""

    secrets: dict[str, str]
    answers: dict[str, tuple[int, dict[str, Any] | None]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path


def _verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The system side of the protocol (docs/fulfilment-webhook.md), written from the docs."""
    timestamp = headers.get("x-medprivacy-timestamp", "")
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers.get("x-medprivacy-signature", ""))


@pytest.fixture
def stand_in():
    state = StandIn(secrets={"/a": SECRET_A, "/b": SECRET_B, "/c": SECRET_C})

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}  # names are case-insensitive
            ok = _verify(state.secrets.get(self.path, ""), headers, body)
            state.received.append(Received(self.path, headers, body, ok))
            status, answer = (401, {"error": "bad signature"}) if not ok else state.answers.get(self.path, (202, None))
            raw = json.dumps(answer).encode() if answer is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args) -> None:  # keep test output clean
            pass

    state.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()
    thread.join(timeout=5)


def closed_port_url() -> str:
    """A URL on the loopback where nothing listens (a system that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"


def webhook_system(name: str, url: str, secret: str, *, role: str = "service_provider",
                   categories: tuple[str, ...] = ("contact_identification",)) -> System:
    system = System(name=name, role=role, categories=list(categories), access_method=System.Access.WEBHOOK,
                    webhook_url=url, webhook_secret=secret, purposes="Testing", retention="Test retention")
    return fulfilment.system_save(system=system, actor=None, reason="Test setup")


def only_systems(*names: str) -> None:
    """Deactivate every seeded system except `names`, so a test controls which systems a case reaches."""
    System.objects.exclude(name__in=names).update(is_active=False)


def verified_case(*, right: str = "erasure", regime: str = "ccpa", **submission_kwargs) -> Case:
    dsr = make_case(right=right, regime=regime, **submission_kwargs)
    if dsr.status != Status.VERIFIED:
        case_change_status(dsr=dsr, to=Status.VERIFIED, actor=None, reason="E-mail link opened")
    dsr.refresh_from_db()
    return dsr


def task_of(dsr: Case, system_name: str) -> FulfilmentTask:
    return FulfilmentTask.objects.get(case=dsr, system__name=system_name)
