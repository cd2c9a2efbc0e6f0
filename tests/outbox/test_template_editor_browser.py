"""In a real browser: a supervisor edits a message template beside its other languages and its variables,
previews it with a sample case in another language and regime (no JavaScript needed), and is refused a save
that uses an unknown variable."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from medprivacy import roles
from outbox import services
from outbox.models import MessageTemplate
from tests.factories import supervisor
from tests.screenshots import horizontal_overflow, save_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # UserFactory's password


def test_a_supervisor_previews_a_template_in_each_language_and_regime_and_an_unknown_variable_is_refused(
        django_db_setup, page, live_server):
    # django_db_setup first: the test database must exist before Playwright starts its event loop.
    roles.ensure_roles()
    supervisor("boss")
    services.templates_seed()
    template = MessageTemplate.objects.get(key="extension_notice", language="en")
    original = template.body_text

    page.goto(f"{live_server.url}/admin/login/?next=/admin/outbox/messagetemplate/")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/admin/outbox/messagetemplate/")
    page.goto(f"{live_server.url}/admin/outbox/messagetemplate/{template.pk}/change/")

    # Beside the editor: the Spanish and German versions, and the variables this template may use.
    side = page.locator("aside.template-editor-side")
    expect(side.locator("#version-es").get_by_text("Su solicitud de privacidad {{ reference }}: necesitamos más "
                                                   "tiempo")).to_be_visible()
    expect(side.locator("#version-de").get_by_text("Wir benötigen mehr Zeit", exact=False).first).to_be_visible()
    expect(side.locator("#template-variables").get_by_text("{{ new_due_on }}")).to_be_visible()

    # Preview the Spanish version under the GDPR, then the German one under the CCPA.
    page.get_by_label("Preview in").select_option("es")
    page.get_by_label("Preview under").select_option("gdpr")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#template-preview")
    heading = preview.get_by_role("heading").inner_text()
    assert heading.startswith("Preview in Español, under EU/EEA data protection law (GDPR)")
    assert "Su solicitud de privacidad DSR-2026-000123: necesitamos más tiempo" in preview.inner_text()
    assert "como permite la ley (GDPR Art. 15; GDPR Art. 12(3))" in preview.inner_text()
    save_screenshots(page, "message-template-preview")
    assert not horizontal_overflow(page)

    page.get_by_label("Preview in").select_option("de")
    page.get_by_label("Preview under").select_option("ccpa")
    page.get_by_role("button", name="Preview").click()
    text = page.locator("#template-preview").inner_text()
    assert "Ihre Datenschutzanfrage DSR-2026-000123: Wir benötigen mehr Zeit" in text
    assert "Cal. Civ. Code §1798.110" in text

    # The English text itself, previewed unsaved, then refused for an unknown variable.
    page.get_by_label("Preview in").select_option("en")
    page.get_by_label("Body text").fill("Dear {{ subject_name }}, we answer by {{ new_due_on }} ({{ citation }}).")
    page.get_by_role("button", name="Preview").click()
    assert "Dear Alex Sample, we answer by" in page.locator("#template-preview").inner_text()
    template.refresh_from_db()
    assert template.body_text == original  # a preview saves nothing

    page.get_by_label("Body text").fill("Dear {{ subject_name }}, your case officer is {{ officer_phone }}.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.locator(".errornote").wait_for()  # the form again, with the refusal
    errors = page.locator(".errornote, .errorlist").all_inner_texts()
    assert any("Unknown variables: {{ officer_phone }}. This template may use only:" in e for e in errors), (
        page.url, errors, page.locator("#content").inner_text()[:1500])
    template.refresh_from_db()
    assert template.body_text == original
    save_screenshots(page, "message-template-refused")
