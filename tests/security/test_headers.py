"""Content-Security-Policy, Permissions-Policy and message storage on public and admin pages."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import supervisor

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("path", ["/", "/requests/", "/requests/new-link/", "/privacy-choices/",
                                  "/requests/status/not-a-token/", "/admin/login/", "/healthz",
                                  "/.well-known/gpc.json", "/does-not-exist/"])
def test_public_pages_carry_a_strict_csp_and_a_permissions_policy(client, path):
    response = client.get(path)
    csp = _csp(response)
    assert csp["script-src"] == "script-src 'self'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert csp["object-src"] == "object-src 'none'" and csp["frame-ancestors"] == "frame-ancestors 'none'"
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy and "microphone=()" in policy


@pytest.mark.parametrize("path", ["/admin/", "/admin/requests_app/case/", "/admin/consents/apitoken/add/",
                                  "/admin/django_celery_beat/periodictask/add/"])
def test_admin_pages_carry_them_too_and_have_no_inline_script(client, path):
    admin = supervisor("sam")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.get(path)
    assert response.status_code == 200
    assert _csp(response)["script-src"] == "script-src 'self'"
    assert "camera=()" in response["Permissions-Policy"]
    html = response.content.decode()
    for tag in html.split("<script")[1:]:
        opening = tag.split(">", 1)[0]
        # Every script is a file, or a JSON data block the browser never runs.
        assert "src=" in opening or 'type="application/json"' in opening, opening
    assert " onclick=" not in html and "<style" not in html


def test_messages_live_in_the_session_not_a_cookie():
    assert settings.MESSAGE_STORAGE == "django.contrib.messages.storage.session.SessionStorage"


def test_the_system_form_posts_the_webhook_secret_as_a_sensitive_parameter(client):
    admin = supervisor("sam")
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    response = client.post("/admin/fulfilment/system/add/", {"name": "CRM", "new_webhook_secret": "s" * 40})
    # Django's error reports replace these parameters with stars (sensitive_post_parameters).
    assert response.wsgi_request.sensitive_post_parameters == ("new_webhook_secret",)
