"""The Data Rights Protocol endpoints, a router of the project's API (medprivacy/api.py). Thin: each route
reads the body and calls one service or selector; errors take the spec's shapes (docs/drp.md).

Every route answers with and without a trailing slash (the spec dropped the slash in 0.9.3; agents still
send it). Signed bodies are base64 text (`text/plain`), also accepted with any or no Content-Type.
"""

from __future__ import annotations

import functools
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.security.base import AuthBase

from drp import selectors, services
from drp.models import Agent
from drp.protocol import ProtocolError
from medprivacy.api_base import ApiError, json_response
from security.ratelimit import client_ip, rate_limit_hit

router = Router(tags=["Data Rights Protocol"])


class DrpForbidden(ApiError):
    """403 with no body (spec §2.05.1, §2.02.1)."""

    status = 403

    def response(self) -> HttpResponse:
        return HttpResponse(status=403)


class DrpError(ApiError):
    """An error as the spec shapes it (§3.06): {"code", "message", "fatal"}."""

    def __init__(self, error: ProtocolError) -> None:
        super().__init__(str(error))
        self.error = error
        self.status = error.status

    def response(self) -> HttpResponse:
        return json_response(self.error.as_json(), status=self.error.status)


def _too_many() -> DrpError:
    return DrpError(ProtocolError("Too many requests this hour; try again later.", status=429))


def _rate_ok(request: HttpRequest, *, client: str) -> bool:
    """Count one API request of `client` (an agent or an address) under the "api" scope; False when over it."""
    return not rate_limit_hit(request, scope="api", value=client).limited


class AgentBearer(AuthBase):
    """The pairwise bearer token of a registered, active agent, then the hourly rate limit per agent."""

    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Agent:
        scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
        agent = selectors.agent_for_token(raw.strip()) if scheme.lower() == "bearer" else None
        if agent is None:
            if not _rate_ok(request, client=f"drp-ip:{client_ip(request)}"):
                raise _too_many()
            raise DrpForbidden
        if not _rate_ok(request, client=f"drp-agent:{agent.pk}"):
            raise _too_many()
        return agent


class ErrorOut(Schema):
    code: str
    message: str
    fatal: bool | None = None


class StatusOut(Schema):
    request_id: str
    received_at: str
    status: str
    agent_request_id: str | None = None
    expected_by: str | None = None
    reason: str | None = None
    processing_details: str | None = None
    user_verification_url: str | None = None
    results_url: str | None = None
    expires_at: str | None = None


class PairOut(Schema):
    agent_id: str = Field(..., alias="agent-id")
    token: str


_SIGNED_BODY = {"requestBody": {"required": True, "content": {"text/plain": {"schema": {
    "type": "string", "description": "base64(Ed25519 signature ‖ JSON), libsodium combined mode"}}}}}
_STATUS_RESPONSES: dict[int, Any] = {200: StatusOut, 400: ErrorOut, 403: None, 404: ErrorOut, 409: ErrorOut,
                                     413: ErrorOut, 429: ErrorOut}


def _drp(call):  # noqa: ANN001, ANN202 - a decorator over view functions
    """Turn the services' errors into the spec's answers."""
    @functools.wraps(call)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return call(request, *args, **kwargs)
        except services.Forbidden:
            raise DrpForbidden from None
        except selectors.NotYours:
            raise DrpForbidden from None
        except ProtocolError as exc:
            raise DrpError(exc) from None

    return view


def _owned(agent: Agent, request_id: str):  # noqa: ANN202
    drp = selectors.drp_request_for_agent(agent=agent, request_id=request_id)
    if drp is None:
        raise ProtocolError("No data rights request has this id.", status=404)
    return drp


# --- Pairwise key setup and agent information (§2.05, §2.06) ---------------------------------------------

@router.post("/v1/agent/{agent_id}", response={200: PairOut, 403: None, 429: ErrorOut}, openapi_extra=_SIGNED_BODY,
             by_alias=True,
             summary="Pairwise key setup: a signed message in, a bearer token out", url_name="drp_agent")
@router.post("/v1/agent/{agent_id}/", include_in_schema=False)
@_drp
def agent_setup(request: HttpRequest, agent_id: str) -> HttpResponse:
    """Check the message signed with the agent's registered key; answer with a new bearer token."""
    if not _rate_ok(request, client=f"drp-ip:{client_ip(request)}"):
        raise _too_many()
    agent, token = services.agent_pair(agent_id=agent_id, body=request.body)
    return json_response({"agent-id": agent.agent_id, "token": token})


@router.get("/v1/agent/{agent_id}", auth=AgentBearer(), response={200: dict, 403: None, 429: ErrorOut},
            summary="Agent information: is the bearer token still valid?")
@router.get("/v1/agent/{agent_id}/", auth=AgentBearer(), include_in_schema=False)
@_drp
def agent_information(request: HttpRequest, agent_id: str) -> HttpResponse:
    """Answer {} when the token belongs to `agent_id`, 403 otherwise (spec §2.06.1)."""
    if request.auth.agent_id != agent_id:
        raise services.Forbidden
    return json_response({})


# --- Exercise, status, revoke (§2.01, §2.02, §2.04) -----------------------------------------------------

@router.post("/v1/data-rights-request", auth=AgentBearer(), response=_STATUS_RESPONSES, openapi_extra=_SIGNED_BODY,
             summary="Exercise a data right", url_name="drp_exercise")
@router.post("/v1/data-rights-request/", auth=AgentBearer(), include_in_schema=False)
@_drp
def exercise(request: HttpRequest) -> HttpResponse:
    """File a signed request; answer with its status object."""
    drp = services.drp_request_create(agent=request.auth, body=request.body)
    return json_response(selectors.status_object(drp))


@router.get("/v1/data-rights-request/{request_id}", auth=AgentBearer(), response=_STATUS_RESPONSES,
            summary="The status of a request", url_name="drp_status")
@router.get("/v1/data-rights-request/{request_id}/", auth=AgentBearer(), include_in_schema=False)
@_drp
def status(request: HttpRequest, request_id: str) -> HttpResponse:
    """Answer the status object of a request this agent filed (403 for another agent's)."""
    return json_response(selectors.status_object(_owned(request.auth, request_id)))


@router.delete("/v1/data-rights-request/{request_id}", auth=AgentBearer(), response=_STATUS_RESPONSES,
               openapi_extra=_SIGNED_BODY, summary="Revoke a request")
@router.delete("/v1/data-rights-request/{request_id}/", auth=AgentBearer(), include_in_schema=False)
@_drp
def revoke(request: HttpRequest, request_id: str) -> HttpResponse:
    """Revoke with a signed {"reason": …}; answer with the revoked status object."""
    drp = services.drp_request_revoke(agent=request.auth, drp=_owned(request.auth, request_id), body=request.body)
    return json_response(selectors.status_object(drp))
