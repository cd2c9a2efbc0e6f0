"""DRP test kit: a real Ed25519 agent (PyNaCl), requests signed the way the reference agent signs them,
and a local HTTP server that plays the agent's status_callback endpoint."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import time_machine
from nacl.signing import SigningKey

from drp import services
from fulfilment.models import System

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)  # a Monday
BUSINESS_ID = "MEDPRIVACY_TEST"
AGENT_ID = "CR_AA_DRP_ID_001"
OTHER_AGENT_ID = "OTHER_AA_001"
EXERCISE_URL = "/v1/data-rights-request"


def sign(key: SigningKey, body: dict[str, Any] | bytes) -> bytes:
    """Sign like the reference agent: json.dumps, libsodium combined mode, base64."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return base64.b64encode(key.sign(raw))


def stamps(now: dt.datetime = NOW, *, minutes: int = 15) -> dict[str, str]:
    """issued-at and expires-at as the reference agent writes them (milliseconds, +00:00)."""
    return {"issued-at": now.isoformat(timespec="milliseconds"),
            "expires-at": (now + dt.timedelta(minutes=minutes)).isoformat(timespec="milliseconds")}


@dataclass
class AgentKit:
    agent_id: str
    key: SigningKey
    token: str = ""

    @property
    def verify_key_b64(self) -> str:
        return base64.b64encode(bytes(self.key.verify_key)).decode()

    def auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def exercise_body(self, exercise: str, *, callback: str = "", **claims: Any) -> dict[str, Any]:
        """The reference agent's exercise request: 'Last, First' name, no relationships."""
        body = {"agent-id": self.agent_id, "business-id": BUSINESS_ID, **stamps(), "drp.version": "0.9.4",
                "exercise": exercise, "regime": "ccpa", "name": "Lima, Ana",
                "email": "ana.lima@example.com", "email_verified": True}
        if callback:
            body["status_callback"] = callback
        body.update(claims)
        return body

    def post_exercise(self, client, body: dict[str, Any] | bytes, *, path: str = EXERCISE_URL):
        return client.post(path, sign(self.key, body), content_type="text/plain", **self.auth())


@pytest.fixture(autouse=True)
def drp_settings(settings, tmp_path):
    settings.MEDPRIVACY_DRP_BUSINESS_ID = BUSINESS_ID
    settings.MEDPRIVACY_WEBHOOK_ALLOW_HTTP_LOCALHOST = True
    settings.MEDPRIVACY_WEBHOOK_TIMEOUT_SECONDS = 5
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
    return settings


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def queued(monkeypatch):
    """Record what is queued to the worker on commit (tests then call the task functions directly)."""
    from drp import tasks as drp_tasks
    from fulfilment import tasks as fulfilment_tasks
    from outbox import tasks as outbox_tasks

    recorded: dict[str, list[int]] = {"callbacks": [], "messages": [], "fulfilment": []}
    monkeypatch.setattr(drp_tasks.deliver_callback, "delay", recorded["callbacks"].append)
    monkeypatch.setattr(outbox_tasks.deliver_message, "delay", recorded["messages"].append)
    monkeypatch.setattr(fulfilment_tasks.dispatch_fulfilment_task, "delay", recorded["fulfilment"].append)
    return recorded


@pytest.fixture
def no_systems(db):
    """No system of the data map is active, so a case has no fulfilment tasks to finish."""
    System.objects.update(is_active=False)


@pytest.fixture
def agent(db) -> AgentKit:
    kit = AgentKit(AGENT_ID, SigningKey.generate())
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        services.agent_register(agent_id=kit.agent_id, verify_key=kit.verify_key_b64, name="Permission Slip")
    return kit


@pytest.fixture
def paired(agent, client, frozen) -> AgentKit:
    body = {"agent-id": agent.agent_id, "business-id": BUSINESS_ID, **stamps()}
    response = client.post(f"/v1/agent/{agent.agent_id}", sign(agent.key, body), content_type="text/plain")
    assert response.status_code == 200, response.content
    agent.token = response.json()["token"]
    return agent


@pytest.fixture
def other_agent(db, client) -> AgentKit:
    """A second registered and paired agent, with its own key."""
    kit = AgentKit(OTHER_AGENT_ID, SigningKey.generate())
    services.agent_register(agent_id=kit.agent_id, verify_key=bytes(kit.key.verify_key).hex(), name="Other agent")
    with time_machine.travel(NOW, tick=False):
        body = {"agent-id": kit.agent_id, "business-id": BUSINESS_ID, **stamps()}
        kit.token = client.post(f"/v1/agent/{kit.agent_id}", sign(kit.key, body),
                                content_type="text/plain").json()["token"]
    return kit


@dataclass
class CallbackServer:
    """A local HTTP server playing the agent's status_callback endpoint."""

    answers: list[int] = field(default_factory=list)  # status codes to answer in turn; then 200
    received: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/update_status"


@pytest.fixture
def callback_server():
    state = CallbackServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            state.received.append(json.loads(body))
            state.content_types.append(self.headers.get("Content-Type", ""))
            code = state.answers.pop(0) if state.answers else 200
            self.send_response(code)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    state.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()
