"""Registering agents (command and admin), and what officers see of a DRP request on the case page."""

from __future__ import annotations

import base64

import pytest
from django.core.management import CommandError, call_command
from nacl.signing import SigningKey

from drp.models import Agent, DrpRequest
from tests.factories import supervisor

pytestmark = pytest.mark.django_db


def test_the_command_adds_lists_and_revokes_agents(capsys):
    key = SigningKey.generate().verify_key
    call_command("drp_agent", "add", "--id", "CR_AA_DRP_ID_001", "--verify-key", bytes(key).hex(),
                 "--name", "Permission Slip")
    agent = Agent.objects.get(agent_id="CR_AA_DRP_ID_001")
    assert agent.verify_key == base64.b64encode(bytes(key)).decode()  # stored as base64 whatever was given
    call_command("drp_agent", "list")
    assert "CR_AA_DRP_ID_001\tPermission Slip\tnot paired" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already registered"):
        call_command("drp_agent", "add", "--id", "CR_AA_DRP_ID_001", "--verify-key", bytes(key).hex())
    call_command("drp_agent", "revoke", "--id", "CR_AA_DRP_ID_001")
    agent.refresh_from_db()
    assert agent.revoked_at is not None
    assert [h.history_change_reason for h in agent.history.order_by("history_id")] == ["Registered", "Revoked"]
    with pytest.raises(CommandError, match="An Ed25519 verify key is 32 bytes"):
        call_command("drp_agent", "add", "--id", "BAD", "--verify-key", base64.b64encode(b"short").decode())
    with pytest.raises(CommandError, match="No agent NOBODY"):
        call_command("drp_agent", "revoke", "--id", "NOBODY")


def test_a_supervisor_registers_an_agent_in_the_admin(client):
    boss = supervisor()
    boss.is_superuser = True
    boss.save()
    client.force_login(boss)
    key = base64.b64encode(bytes(SigningKey.generate().verify_key)).decode()
    response = client.post("/admin/drp/agent/add/", {"agent_id": "NEW_AGENT", "name": "New", "verify_key": key})
    assert response.status_code == 302
    assert Agent.objects.get(agent_id="NEW_AGENT").history.get().history_change_reason == "Registered"
    bad = client.post("/admin/drp/agent/add/", {"agent_id": "BAD_AGENT", "name": "", "verify_key": "nope"})
    assert bad.status_code == 200 and b"An Ed25519 verify key is 32 bytes" in bad.content


def test_officers_see_the_agent_and_the_claims_on_the_case_page(paired, client, frozen, no_systems):
    paired.post_exercise(client, paired.exercise_body("deletion", phone_number="+14155550100",
                                                      phone_number_verified=True))
    dsr = DrpRequest.objects.get().case
    boss = supervisor()
    client.force_login(boss)
    page = client.get(f"/admin/requests_app/case/{dsr.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Data Rights Protocol request" in html and "Permission Slip" in html
    assert "+14155550100" in html and "phone number verified" in html
    assert "authorized agent Permission Slip" in html  # the timeline entry


def test_the_retention_schedule_erases_the_claims_with_the_request_records(paired, client, frozen, no_systems):
    from retention import registry
    from retention import services as retention_services

    paired.post_exercise(client, paired.exercise_body("deletion", address={"country": "US", "region": "CA"}))
    drp = DrpRequest.objects.get()
    target = registry.get_target("drp.request")
    assert target.category == "privacy_request_records"
    retention_services.rows_erase(target=target, pks=[drp.pk], anonymize=True)
    drp.refresh_from_db()
    assert (drp.claims, drp.revoke_reason) == ({}, "")
    retention_services.rows_erase(target=target, pks=[drp.pk], anonymize=False)
    assert not DrpRequest.objects.exists()
