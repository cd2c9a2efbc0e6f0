"""The register in the admin: supervisors keep it and publish notices; officers read it and see only their
cases' clinic instructions; a published notice cannot be changed through the admin."""

import pytest
import time_machine
from django.urls import reverse

from admt.models import ClinicInstruction, PreUseNotice
from medprivacy import roles
from requests_app.services import intake
from tests.admt.helpers import NOW, automated_system, clinic
from tests.compliance.support import assign, people
from tests.requests_app.intake_support import service_kwargs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup():
    roles.ensure_roles()
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_supervisor_adds_a_notice_version_and_publishes_it(client):
    crew = people()
    entry = automated_system()
    client.force_login(crew["boss"])
    assert client.get(reverse("admin:admt_automatedsystem_changelist")).status_code == 200
    added = client.post(reverse("admin:admt_preusenotice_add"),
                        {"automated_system": entry.pk, "title": "Imaging triage notice", "body": ""})
    assert added.status_code == 302
    notice = PreUseNotice.objects.get()
    assert notice.version == 1 and "What we use it for:" in notice.body and notice.published_at is None
    client.post(reverse("admin:admt_preusenotice_changelist"),
                {"action": "publish", "_selected_action": [notice.pk]})
    notice.refresh_from_db()
    assert notice.published_by == crew["boss"]
    assert client.get(reverse("admin:admt_preusenotice_change", args=[notice.pk])).status_code == 200  # to read
    refused = client.post(reverse("admin:admt_preusenotice_change", args=[notice.pk]),
                          {"automated_system": entry.pk, "title": "Changed", "body": "Changed"})
    assert refused.status_code == 403
    notice.refresh_from_db()
    assert notice.title == "Imaging triage notice"  # published: read-only


def test_an_officer_cannot_publish_and_sees_only_the_instructions_of_their_cases(client):
    crew = people()
    entry = automated_system(name="Clinic triage", company_role="service_provider", clinic=clinic())
    draft = PreUseNotice.objects.create(automated_system=entry, version=1, title="t", body="b")
    (dsr,) = intake.submission_create(**service_kwargs(rights=["admt_opt_out"])).cases
    assign(dsr, crew, to="olivia")
    forwarding = ClinicInstruction.objects.get(case=dsr)
    client.force_login(crew["oscar"])
    assert client.get(reverse("admin:admt_automatedsystem_changelist")).status_code == 200
    refused = client.post(reverse("admin:admt_preusenotice_changelist"),
                          {"action": "publish", "_selected_action": [draft.pk]})
    assert refused.status_code == 403
    assert client.get(reverse("admin:admt_clinicinstruction_change", args=[forwarding.pk])).status_code in (302, 404)
    client.force_login(crew["olivia"])
    page = client.get(reverse("admin:admt_clinicinstruction_change", args=[forwarding.pk]))
    assert page.status_code == 200
    done = client.post(reverse("admin:admt_clinicinstruction_change", args=[forwarding.pk]),
                       {"instruction": "stop", "instruction_note": "Stop by Friday"})
    assert done.status_code == 302
    forwarding.refresh_from_db()
    assert (forwarding.instruction, forwarding.recorded_by) == ("stop", crew["olivia"])
