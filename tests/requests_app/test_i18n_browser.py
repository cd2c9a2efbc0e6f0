"""In a real browser, in the visitor's own language (the browser's locale sends Accept-Language): a
Spanish-speaking Californian and a German patient each file a request, see the form errors, the confirmation,
the verification page and the status page in their language, with `<html lang>` to match, and switch language
with the switcher (a plain form, no JavaScript)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from outbox.models import Message
from requests_app.models import Case
from tests.requests_app.intake_support import frozen_clock, link_in, use_private_storage
from tests.screenshots import horizontal_overflow, save_screenshots

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    yield from frozen_clock()


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path) -> Path:
    return use_private_storage(settings, tmp_path)


@pytest.fixture
def browser_in(_playwright_browser, live_server, settings):
    """Open a page whose browser speaks `locale` (Chromium sends the matching Accept-Language)."""
    settings.SITE_URL = live_server.url  # links in e-mails point at this server
    settings.CSRF_COOKIE_AGE = None  # the server's clock is frozen, the browser's is not
    contexts = []

    def open_page(locale: str, *, javascript: bool = True):
        context = _playwright_browser.new_context(locale=locale, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def html_lang(page) -> str:
    return page.evaluate("document.documentElement.lang")


def open_the_link_of_the_receipt(page, live_server, email: str, *, language: str) -> None:
    message = Message.objects.filter(to_email=email).latest("pk")
    # The receipt e-mail is written in the requester's language, stored on the submission from the page's.
    assert message.language == language and message.submission.language == language
    words = {"es": ("su solicitud de privacidad", "Estimado/a"), "de": ("Ihre Datenschutzanfrage", "Guten Tag")}
    assert words[language][0] in message.subject and words[language][1] in message.body_text
    kind = "verify" if "/requests/verify/" in message.body_text else "status"
    page.goto(f"{live_server.url}{link_in(message, kind)}")


def test_a_spanish_speaking_californian_files_a_request_in_spanish(django_db_setup, live_server, browser_in,
                                                                   frozen):
    page = browser_in("es-US", javascript=False)  # nothing here needs JavaScript
    page.goto(f"{live_server.url}/")
    assert html_lang(page) == "es"
    expect(page.get_by_role("heading", name="Sus opciones de privacidad")).to_be_visible()
    expect(page.get_by_role("link", name="No vender ni compartir mi información personal")).to_be_visible()
    page.get_by_role("link", name="Hacer una solicitud de privacidad").click()

    page.get_by_label("País donde vive").select_option("US")
    page.get_by_label("Estado o región de EE. UU.").select_option("CA")
    page.get_by_role("button", name="Continuar").click()
    expect(page.locator("main")).to_contain_text("California, Estados Unidos")

    # The form's errors, in Spanish.
    page.get_by_label("Saber qué información personal conservamos (derecho de acceso)").check()
    page.get_by_label("Eliminar mi información (supresión)").check()
    page.get_by_label("Nombre completo", exact=True).fill("Ana Ejemplo")
    page.get_by_label("Dirección de correo electrónico", exact=True).fill("ana@example.com")
    page.get_by_label("Visitante del sitio web").check()
    page.get_by_role("button", name="Enviar mi solicitud").click()
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading", name="Hay un problema")).to_be_visible()
    assert "Marque la declaración para enviar su solicitud." in summary.inner_text()
    assert page.title().startswith("Error: Hacer una solicitud de privacidad")
    save_screenshots(page, "i18n-es-form-errors")
    assert horizontal_overflow(page) == 0

    page.get_by_label("Confirmo que la información de esta solicitud es verdadera", exact=False).check()
    page.get_by_role("button", name="Enviar mi solicitud").click()
    expect(page.get_by_role("heading", name="Gracias: hemos recibido su solicitud")).to_be_visible()
    confirmation = page.inner_text("main")
    assert "Debemos responder en un plazo de 45 días desde que recibimos su solicitud" in confirmation
    assert "Responderemos a más tardar el" in confirmation
    assert re.search(r"\d{1,2} de [a-z]+ de 2026|\d{1,2} [a-z]+ 2026", confirmation)  # Spanish month names
    assert "abril" in confirmation  # 45 days after 5 March 2026

    open_the_link_of_the_receipt(page, live_server, "ana@example.com", language="es")
    main = page.inner_text("main")
    assert html_lang(page) == "es"
    assert "Gracias: su dirección de correo electrónico está confirmada." in main
    expect(page.get_by_role("heading", name="Sus solicitudes de privacidad")).to_be_visible()
    assert "Ley aplicable" in main and "Ley de Privacidad del Consumidor de California (CCPA)" in main
    for dsr in Case.objects.all():
        assert dsr.reference in main
    save_screenshots(page, "i18n-es-status")

    # The switcher, without JavaScript: English on the same page, and it stays English.
    page.get_by_label("Idioma").select_option("en")
    page.get_by_role("button", name="Cambiar idioma").click()
    assert html_lang(page) == "en"
    expect(page.get_by_role("heading", name="Your privacy requests")).to_be_visible()
    page.reload()
    assert html_lang(page) == "en"


def test_a_german_patient_files_a_request_in_german(django_db_setup, live_server, browser_in, frozen):
    page = browser_in("de-DE")
    page.goto(f"{live_server.url}/requests/")
    assert html_lang(page) == "de"
    page.get_by_label("Land, in dem Sie wohnen").select_option("DE")
    page.get_by_role("button", name="Weiter").click()
    expect(page.locator("main")).to_contain_text("Ihr Wohnort: Deutschland")

    page.get_by_label("Erfahren, welche personenbezogenen Informationen wir speichern (Auskunftsrecht)").check()
    page.get_by_label("Vollständiger Name", exact=True).fill("Jonas Beispiel")
    page.get_by_label("E-Mail-Adresse", exact=True).fill("jonas@example.com")
    page.get_by_label("Patient/in (meine Daten wurden von einer Klinik übermittelt)").check()
    page.get_by_label("Ich bestätige, dass die Angaben in diesem Antrag wahr sind", exact=False).check()
    page.get_by_role("button", name="Meinen Antrag senden").click()
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading", name="Es gibt ein Problem")).to_be_visible()
    assert "Nennen Sie die Klinik oder Organisation, die uns Ihre Informationen gegeben hat." in summary.inner_text()
    save_screenshots(page, "i18n-de-form-errors")

    page.get_by_label("Klinik oder Organisation, die uns Ihre Informationen gegeben hat").fill("Praxis Beispiel")
    page.get_by_label("Ich bestätige, dass die Angaben in diesem Antrag wahr sind", exact=False).check()
    page.get_by_role("button", name="Meinen Antrag senden").click()
    expect(page.get_by_role("heading", name="Danke: Wir haben Ihren Antrag erhalten")).to_be_visible()
    confirmation = page.inner_text("main")
    assert "Ihre Klinik ist für die Informationen verantwortlich" in confirmation
    assert "Unsere Antwortfrist beträgt 1 Monat ab Eingang Ihres Antrags (GDPR Art. 15" in confirmation

    open_the_link_of_the_receipt(page, live_server, "jonas@example.com", language="de")
    main = page.inner_text("main")
    assert html_lang(page) == "de"
    expect(page.get_by_role("heading", name="Ihre Datenschutzanträge")).to_be_visible()
    assert "Anwendbares Recht" in main and "Datenschutzrecht der EU/des EWR (DSGVO/GDPR)" in main
    assert "Ihre Klinik ist für diese Informationen verantwortlich." in main
    save_screenshots(page, "i18n-de-status")
