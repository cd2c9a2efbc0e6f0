"""The consent ledger after an erasure: every purpose "not permitted, erased" for the address through the API,
opt-out and GPC records kept, a suppression entry that holds no address, and a new person using the address
again decides for themselves."""

from __future__ import annotations

import pytest

from consents import selectors, services
from consents.models import ConsentEvent, Kind, Source, Suppression
from subjects.models import DataSubject
from tests.erasure_helpers import complete_erasure, erasure_case
from tests.factories import DataSubjectFactory

pytestmark = pytest.mark.django_db
URL = "/api/consents/v1/permitted"
EMAIL = "erin.erasable@example.com"


def _ask(client, token, purpose, email=EMAIL):
    response = client.get(URL, {"email": email, "purpose": purpose}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    return response.json()


def test_the_api_answers_not_permitted_erased_for_every_purpose_and_opt_outs_survive(client, api_token, frozen):
    dsr = erasure_case(email=EMAIL)
    subject = dsr.subject
    services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN, source=Source.API)
    gpc = services.consent_gpc_subject(subject=subject)  # the browser sent Sec-GPC: 1 on the preference page
    browser = services.consent_gpc_browser(browser_id="browser-123")
    assert gpc and browser
    purposes = list(selectors.purpose_list().values_list("code", flat=True))
    assert _ask(client, api_token, "marketing_email")["permitted"] is True
    assert any(_ask(client, api_token, code)["permitted"] for code in purposes)

    complete_erasure(dsr)

    for code in purposes:
        body = _ask(client, api_token, code)
        assert (body["permitted"], body["state"], body["basis"]) == (False, "erased", "erasure"), code
    # The opt-outs the GPC signal recorded are still there, for the person and for the browser.
    kept = ConsentEvent.objects.filter(pk__in=[e.pk for e in gpc + browser])
    assert kept.count() == len(gpc) + len(browser)
    assert set(kept.values_list("kind", flat=True)) == {Kind.OPTED_OUT}
    assert set(ConsentEvent.objects.filter(subject=subject, kind=Kind.ERASED).values_list(
        "purpose__code", flat=True)) == set(purposes)
    # The suppression entry is a keyed hash: the address is nowhere in it.
    entry = Suppression.objects.get()
    assert entry.dsr_reference == dsr.reference
    assert EMAIL not in str(list(Suppression.objects.values_list()))
    assert DataSubject.objects.get(pk=subject.pk).email == ""


def test_a_new_person_using_the_address_is_erased_until_they_choose(client, api_token, frozen):
    complete_erasure(erasure_case(email=EMAIL))
    newcomer = DataSubjectFactory(email=EMAIL, country="US", subdivision="CA")  # a later request's subject
    assert _ask(client, api_token, "marketing_email")["state"] == "erased"
    services.consent_set_choice(subject=newcomer, purpose="marketing_email", allow=True,
                                source=Source.PREFERENCE_CENTER)
    body = _ask(client, api_token, "marketing_email")
    assert (body["permitted"], body["state"], body["subject_known"]) == (True, "given", True)


def test_another_address_is_not_affected(client, api_token, frozen):
    complete_erasure(erasure_case(email=EMAIL))
    DataSubjectFactory(email="someone.else@example.com", country="US", subdivision="CA")
    body = _ask(client, api_token, "sale_sharing", email="someone.else@example.com")
    assert (body["permitted"], body["basis"]) == (True, "default")
