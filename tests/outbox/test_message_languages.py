"""Issue 18 part B: the requester's language is stored on the submission and every message about the request
is written in it (receipts, verification, decisions, officers' messages, jobs' reminders), falling back to
English with a warning when a template has no version in that language."""

from __future__ import annotations

import logging
import re

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from compliance.template_check import template_problems
from drp.protocol import ProtocolError
from drp.services import _language as drp_language
from outbox import defaults_de, services
from outbox.defaults import DEFAULT_TEMPLATES, DEFAULTS_BY_LANGUAGE
from outbox.models import Message, MessageTemplate
from outbox.preview import sample_context
from outbox.variables import template_variables, unknown_variables
from regimes.rules import REGIMES
from requests_app.models import Submission
from requests_app.services import intake, workbench
from requests_app.services import reminders as reminder_services
from tests.compliance.support import LATER, RECEIVED, assign, confirm_email, file, people, resolve_tasks
from tests.factories import RECEIVED_AT, make_case, officer
from tests.requests_app.intake_support import form_data, use_private_storage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    return use_private_storage(settings, tmp_path)


@pytest.fixture
def contexts(monkeypatch) -> list[tuple[str, set[str]]]:
    """Record the context keys every message is rendered with (to check them against the declared table)."""
    seen: list[tuple[str, set[str]]] = []
    original = services.message_create

    def spy(**kwargs):
        seen.append((kwargs["template_key"], set(kwargs["context"])))
        return original(**kwargs)

    monkeypatch.setattr(services, "message_create", spy)
    return seen


def assert_declared(contexts: list[tuple[str, set[str]]]) -> None:
    for key, names in contexts:
        assert names <= set(template_variables(key)), (key, sorted(names - set(template_variables(key))))


def only(key: str) -> Message:
    return Message.objects.get(template_key=key)


# --- The language is taken from the page and stored ------------------------------------------------------


def test_a_spanish_speaking_californian_gets_the_receipt_and_the_opt_out_confirmation_in_spanish(contexts):
    crew = people()
    with time_machine.travel(RECEIVED, tick=False):
        response = Client(HTTP_ACCEPT_LANGUAGE="es-US,es;q=0.9").post(
            "/requests/", form_data(rights=["access", "opt_out_sale_sharing"]))
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert submission.language == "es"
    assert submission.history.first().language == "es"
    receipt = only("intake_acknowledgement")
    assert receipt.language == "es"
    assert receipt.subject.startswith("Hemos recibido su solicitud de privacidad (DSR-2026-")
    assert "Hemos recibido su solicitud de privacidad el 5 de marzo de 2026." in receipt.body_text
    assert "Confirme su dirección de correo electrónico abriendo este enlace" in receipt.body_text
    # The link's expiry in Spanish words too (it used to keep an English month name).
    assert re.search(r"\d+ de marzo de 2026, \d\d:\d\d UTC", receipt.body_text) and "March" not in receipt.body_text
    assert "Nunca cobramos por verificar ni por responder una solicitud." in receipt.body_text
    assert "Oficina de Privacidad de" in receipt.body_text
    opt_out = submission.cases.get(right="opt_out_sale_sharing")
    assign(opt_out, crew)
    resolve_tasks(opt_out, crew["olivia"])
    with time_machine.travel(LATER, tick=False), translation.override("en"):  # the officer works in English
        workbench.case_complete(dsr=opt_out, actor=crew["olivia"], outcome_summary="done",
                                response="Hemos avisado a nuestros socios.")
    confirmation = only("opt_out_processed")
    assert confirmation.language == "es"
    assert confirmation.subject == f"Su solicitud de privacidad {opt_out.reference} se ha procesado"
    assert "Ya no vendemos ni compartimos su información personal" in confirmation.body_text
    assert_declared(contexts)


def test_a_german_patient_gets_the_verification_and_the_completion_in_german(contexts):
    crew = people()
    with time_machine.travel(RECEIVED, tick=False):
        [dsr] = file(["access"], country="DE", subdivision="", language="de")
    verification = only("intake_verification")
    assert verification.language == "de"
    assert verification.subject == f"Bitte bestätigen Sie Ihre Datenschutzanfrage ({dsr.reference})"
    assert "wir haben Ihre Datenschutzanfrage am 5. März 2026 erhalten." in verification.body_text
    assert "Bitte bestätigen Sie Ihre E-Mail-Adresse, indem Sie diesen Link" in verification.body_text
    assert re.search(r"\d+\. März 2026, \d\d:\d\d UTC", verification.body_text)
    assert "March" not in verification.body_text
    dsr = confirm_email(assign(dsr, crew))
    with time_machine.travel(LATER, tick=False), translation.override("en"):
        resolve_tasks(dsr, crew["olivia"])
        workbench.case_complete(dsr=dsr, actor=crew["olivia"], outcome_summary="sent",
                                response="Die Kopie Ihrer Daten liegt bei.")
    completion = only("completion")
    assert completion.language == "de"
    assert completion.subject == f"Ihre Datenschutzanfrage {dsr.reference} ist abgeschlossen"
    assert f"Wir haben Ihre Anfrage {dsr.reference} (" in completion.body_text
    assert "Datenschutzbüro von" in completion.body_text
    assert_declared(contexts)


def test_a_later_officer_message_is_in_the_stored_language_whatever_the_officer_reads(contexts):
    crew = people()
    with time_machine.travel(RECEIVED, tick=False):
        [dsr] = file(["access"], language="es")
    assign(dsr, crew)
    with time_machine.travel(LATER, tick=False), translation.override("de"):
        workbench.case_message_requester(dsr=dsr, actor=crew["olivia"], text="Estamos buscando sus datos.")
    message = only("thread_message")
    assert message.language == "es"
    assert message.subject == f"Un mensaje sobre su solicitud de privacidad {dsr.reference}"
    assert message.body_text.startswith("Estimado/a Ann Example:\n\nEstamos buscando sus datos.\n")
    assert dsr.thread.get().body == message.body_text
    assert_declared(contexts)


def test_a_jobs_reminder_is_in_the_stored_language(contexts):
    dsr = make_case(right="access", regime="ccpa", language="de")
    reminder_services_token(dsr)
    with time_machine.travel(RECEIVED_AT + reminder_services.reminder_policy().verification_reminder_after,
                             tick=False):
        assert reminder_services.verification_sweep()[0] == 1
    reminder = only("verification_reminder")
    assert reminder.language == "de"
    assert reminder.subject == "Bitte bestätigen Sie Ihre Datenschutzanfrage"
    assert "Er bleibt bis zum 12. März 2026 gültig." in reminder.body_text
    assert_declared(contexts)


def reminder_services_token(dsr) -> None:
    from tests.requests_app.test_reminders_verification import issue_token

    issue_token(dsr.submission)


def test_an_unsupported_or_missing_language_is_english():
    assert intake.submission_create(**_kwargs(language="fr-FR")).submission.language == "en"
    assert intake.submission_create(**_kwargs(email="b@example.com")).submission.language == "en"
    assert Message.objects.filter(language="en").count() == 2


def _kwargs(**overrides) -> dict:
    from tests.requests_app.intake_support import service_kwargs

    return service_kwargs(**overrides)


def test_the_status_page_follows_the_requesters_language_unless_the_browser_chose_one():
    with time_machine.travel(RECEIVED, tick=False):
        result = intake.submission_create(**_kwargs(language="es"))
    from subjects.links import status_url

    path = status_url(result.submission.subject).split("://", 1)[1].split("/", 1)[1]
    assert Client().get(f"/{path}")["Content-Language"] == "es"
    chooser = Client()
    chooser.cookies["django_language"] = "de"
    assert chooser.get(f"/{path}")["Content-Language"] == "de"


def test_a_drp_agent_may_pass_the_consumers_language():
    assert drp_language({"language": "es-US"}) == "es"
    assert drp_language({"language": "de"}) == "de"
    assert drp_language({"language": "tlh"}) == "en"
    assert drp_language({}) == "en"
    with pytest.raises(ProtocolError, match="'language' must be a string."):
        drp_language({"language": ["es"]})


def test_an_officer_enters_a_phone_request_in_german_and_can_change_the_language_later():
    crew = people()
    with time_machine.travel(RECEIVED, tick=False):
        [dsr] = workbench.case_enter_manual(actor=crew["olivia"], channel="phone", email="anruf@example.com",
                                            rights=["access"], received_at=RECEIVED, country="DE",
                                            language="de")
    assert dsr.submission.language == "de"
    assert only("intake_verification").language == "de"
    assign(dsr, crew)
    with pytest.raises(PermissionDenied, match="may not work"):
        workbench.submission_language_set(dsr=dsr, actor=crew["oscar"], language="es")
    workbench.submission_language_set(dsr=dsr, actor=crew["olivia"], language="es")
    submission = Submission.objects.get()
    assert submission.language == "es"
    assert submission.history.first().history_change_reason == "Requester's language: de → es"
    assert dsr.timeline.filter(summary__startswith="Requester's language set to Español (was Deutsch)").exists()
    with pytest.raises(workbench.WorkbenchError, match="Choose one of the languages: en, es, de"):
        workbench.submission_language_set(dsr=dsr, actor=crew["olivia"], language="fr")


def test_the_template_list_reads_every_rows_translations_in_its_one_query(client, monkeypatch):
    monkeypatch.delitem(defaults_de.TEMPLATES, "thread_progress")  # the list seeds the others
    client.force_login(people()["boss"])
    url = reverse("admin:outbox_messagetemplate_changelist")
    client.get(url)  # the first visit stores every default template
    counts = {}
    for language in ("es", "en"):  # no English rows, then a page of English rows, each showing its languages
        with CaptureQueriesContext(connection) as ctx:
            listing = client.get(url, {"language__exact": language})
        counts[language] = len(ctx.captured_queries)
    assert "Missing, sent in English: Deutsch" in listing.content.decode()
    assert counts["en"] == counts["es"]  # not one query per English row


# --- Fallback to English -----------------------------------------------------------------------------------


def test_a_missing_translation_falls_back_to_english_with_a_warning_in_the_admin(monkeypatch, caplog, client):
    monkeypatch.delitem(defaults_de.TEMPLATES, "thread_progress")
    crew = people()
    with time_machine.travel(RECEIVED, tick=False):
        [dsr] = file(["access"], language="de")
    assign(dsr, crew)
    with caplog.at_level(logging.WARNING, logger="outbox.services"):
        workbench.case_message_requester(dsr=dsr, actor=crew["olivia"], text="Update.",
                                         template_key="thread_progress")
    message = only("thread_progress")
    assert message.language == "en"
    assert message.subject == f"Your privacy request {dsr.reference}: an update"
    assert "message template thread_progress has no de version: sent in English" in caplog.text
    assert not MessageTemplate.objects.filter(key="thread_progress", language="de").exists()

    client.force_login(crew["boss"])
    listing = client.get(reverse("admin:outbox_messagetemplate_changelist"))
    assert listing.status_code == 200
    notes = [str(m) for m in listing.context["messages"]]
    assert notes == ["Some templates have no translation and are sent in English instead: thread_progress (Deutsch)"]
    assert "Missing, sent in English: Deutsch" in listing.content.decode()
    english = MessageTemplate.objects.get(key="thread_progress", language="en")
    page = client.get(reverse("admin:outbox_messagetemplate_change", args=[english.pk])).content.decode()
    assert "No translation yet, so these languages get the English version:" in page
    add = f"{reverse('admin:outbox_messagetemplate_add')}?key=thread_progress&amp;language=de"
    assert f'<a href="{add}">add the Deutsch version</a>' in page

    # Adding the translation ends the fallback.
    response = client.post(reverse("admin:outbox_messagetemplate_add"), {
        "key": "thread_progress", "language": "de", "description": "", "subject": "Neuigkeiten {{ reference }}",
        "body_text": "{{ body }}\n{{ status_url }}\n", "body_html": ""})
    assert response.status_code == 302
    assert services.template_missing_languages("thread_progress") == []
    assert services.template_for(key="thread_progress", language="de").template.subject == "Neuigkeiten {{ reference }}"


def test_messages_to_a_clinic_are_english_whatever_the_patients_language():
    choice = services.template_for(key="redirect_organization", language="de")
    assert choice.language == "en" and not choice.fell_back


# --- The editor: variables, required statements, preview ---------------------------------------------------


def test_every_default_in_every_language_uses_only_declared_variables_and_carries_the_required_statements():
    for language, defaults in DEFAULTS_BY_LANGUAGE.items():
        for key, default in defaults.items():
            sources = (default.subject, default.body_text, default.body_html)
            assert unknown_variables(key=key, sources=sources) == [], (language, key)
            assert template_problems(key=key, body_text=default.body_text, body_html=default.body_html) == [], \
                (language, key)
    assert set(DEFAULT_TEMPLATES) == set(services.DEFAULT_TEMPLATES)


def test_the_sample_context_gives_every_declared_variable_under_every_regime():
    for key in DEFAULT_TEMPLATES:
        for regime in REGIMES:
            assert set(sample_context(key=key, regime=regime, language="es")) == set(template_variables(key))


def test_unknown_variables_are_found_in_tags_filters_and_loops():
    source = ("{{ reference }} {{ mystery.attr|default:other }} {% if secret and not paused %}{% endif %}"
              "{% for c in cases %}{{ c.reference }}{{ forloop.counter }}{% endfor %}{{ c }}"
              "{% with x=hidden %}{{ x }}{% endwith %}")
    assert unknown_variables(key="clarification_request", sources=(source,)) == [
        "c", "hidden", "mystery", "other", "secret"]


def test_the_admin_refuses_an_unknown_variable_naming_it_with_the_statement_check(client):
    crew = people()
    services.templates_seed()
    template = MessageTemplate.objects.get(key="denial", language="es")
    client.force_login(crew["boss"])
    url = reverse("admin:outbox_messagetemplate_change", args=[template.pk])
    response = client.post(url, {"description": template.description, "subject": "{{ reference }} {{ nombre }}",
                                 "body_text": "No. {{ motivo }}\n", "body_html": ""})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown variables: {{ motivo }}, {{ nombre }}. This template may use only: cases, citation," in page
    assert "The text body must print {{ reason }} (the reason for the decision)." in page
    template.refresh_from_db()
    assert template.subject == DEFAULTS_BY_LANGUAGE["es"]["denial"].subject


def test_the_preview_renders_the_unsaved_text_with_a_sample_case_and_saves_nothing(client):
    crew = people()
    services.templates_seed()
    template = MessageTemplate.objects.get(key="extension_notice", language="es")
    client.force_login(crew["boss"])
    url = reverse("admin:outbox_messagetemplate_change", args=[template.pk])
    page = client.get(url).content.decode()
    assert 'id="other-versions"' in page and "We need more time to answer it" in page  # English beside
    assert "<code>{{ new_due_on }}</code>" in page and "The due date after the extension." in page
    response = client.post(url, {"description": "", "subject": "Más tiempo ({{ reference }})",
                                 "body_text": "Hasta el {{ new_due_on }} ({{ citation }}).", "body_html": "",
                                 "preview_language": "es", "preview_regime": "gdpr", "_preview": "Preview"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.subject == "Más tiempo (DSR-2026-000123)"
    assert "(GDPR Art. 15; GDPR Art. 12(3))." in preview.body_text
    assert preview.error == ""
    template.refresh_from_db()
    assert template.subject == DEFAULTS_BY_LANGUAGE["es"]["extension_notice"].subject
    # Another language: its stored version, under the regime chosen.
    response = client.post(url, {"description": "", "subject": "x", "body_text": "y", "body_html": "",
                                 "preview_language": "de", "preview_regime": "ccpa", "_preview": "Preview"})
    assert response.context["preview"].subject == "Ihre Datenschutzanfrage DSR-2026-000123: Wir benötigen mehr Zeit"
    assert "Cal. Civ. Code" in response.context["preview"].body_text
    officer_client = Client()
    officer_client.force_login(officer("olive"))
    assert officer_client.post(url, {"subject": "x", "body_text": "y", "_preview": "Preview"}).status_code == 403


@hypothesis_settings(max_examples=25, deadline=None, database=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(language=st.text(max_size=20), regime=st.text(max_size=20), subject=st.text(max_size=60),
       body=st.text(max_size=200))
def test_preview_inputs_never_cause_a_500(client, language, regime, subject, body):
    services.templates_seed()
    boss = people_once()
    client.force_login(boss)
    template = MessageTemplate.objects.get(key="completion", language="en")
    url = reverse("admin:outbox_messagetemplate_change", args=[template.pk])
    clean = {k: v.replace("\x00", "") for k, v in {"language": language, "regime": regime, "subject": subject,
                                                    "body": body}.items()}
    response = client.post(url, {"subject": clean["subject"], "body_text": clean["body"], "body_html": "",
                                 "description": "", "preview_language": clean["language"],
                                 "preview_regime": clean["regime"], "_preview": "Preview"})
    assert response.status_code == 200


def people_once():
    from django.contrib.auth import get_user_model

    from tests.factories import supervisor

    return get_user_model().objects.filter(username="boss").first() or supervisor("boss")


@hypothesis_settings(max_examples=40, deadline=None, database=None, derandomize=True)
@given(language=st.one_of(st.none(), st.text(max_size=40), st.integers(), st.lists(st.text(max_size=3))))
def test_any_language_value_is_stored_as_a_supported_one(language):
    from medprivacy.languages import language_normalize

    assert language_normalize(language) in {"en", "es", "de"}


@hypothesis_settings(max_examples=15, deadline=None, database=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(accept=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60))
def test_any_accept_language_on_the_form_never_causes_a_500(accept):
    response = Client(HTTP_ACCEPT_LANGUAGE=accept).post("/requests/", form_data(rights=["opt_out_sale_sharing"],
                                                                               email="fuzz@example.com"))
    assert response.status_code in {302, 429}
    if response.status_code == 302:
        assert Submission.objects.order_by("-pk").first().language in {"en", "es", "de"}
