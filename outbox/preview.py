"""The template editor's preview: a message template rendered with a sample case, in a chosen language and
regime, exactly as the outbox would render it (same engine, same language activation).

The sample is invented (no real person, no database row): a case of the chosen regime whose dates come from
the rules table, a made-up requester and links that lead nowhere. Every variable the template key declares
(outbox/variables.py) has a sample value, so the preview shows what the requester would read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation
from django.utils.translation import gettext as _

from compliance.rules import complaint_text
from medprivacy import clock
from medprivacy.languages import language_normalize
from outbox.variables import template_variables
from regimes import deadlines
from regimes.rules import REGIME_LABELS, REGIMES, RIGHT_LABELS

SAMPLE_NAME = "Alex Sample"
SAMPLE_EMAIL = "alex.sample@example.invalid"
SAMPLE_LINK = "https://example.invalid/sample-link"
SAMPLE_REFERENCE = "DSR-2026-000123"
# The right a template is naturally about, where it is about one (else the regime's first).
_KEY_RIGHTS = {"opt_out_processed": "opt_out_sale_sharing", "access_package_ready": "access",
               "declaration_request": "access", "completion": "erasure"}


@dataclass
class SampleSubmission:
    is_agent: bool = False
    agent_name: str = "Sample Agent LLC"
    clinic_name: str = "Sample Clinic"
    language: str = "en"


@dataclass
class SampleCase:
    """What templates read of a case, for an invented one (`get_*_display` as on the model)."""

    regime: str
    right: str
    reference: str = SAMPLE_REFERENCE
    receipt_date: dt.date = field(default_factory=lambda: clock.now().date())
    respond_by: dt.date | None = None
    extended_respond_by: dt.date | None = None
    due_on: dt.date | None = None
    verification_help: str = ""

    def get_right_display(self) -> str:
        return str(RIGHT_LABELS[self.right])

    def get_regime_display(self) -> str:
        return str(REGIME_LABELS[self.regime])


def sample_case(*, regime: str, key: str = "") -> SampleCase:
    """Return an invented case of `regime`, its dates from the rules table (UnknownRuleError if unknown)."""
    rights = deadlines.rights_for(regime)
    right = _KEY_RIGHTS.get(key) if _KEY_RIGHTS.get(key) in rights else rights[0]
    case = SampleCase(regime=regime, right=right)
    dates = deadlines.compute_deadlines(regime=regime, right=right, received_on=case.receipt_date)
    case.respond_by, case.extended_respond_by, case.due_on = dates.respond_by, dates.extended_respond_by, \
        dates.respond_by
    case.verification_help = _("(How this request is verified, in plain words.)")
    return case


def sample_context(*, key: str, regime: str, language: str) -> dict[str, Any]:
    """Return a value for every variable `key` declares, for an invented case of `regime`."""
    dsr = sample_case(regime=regime, key=key)
    rule = deadlines.rule_for(regime, dsr.right)
    due = dsr.due_on.isoformat()
    values: dict[str, Any] = {
        "company_name": settings.COMPANY_NAME, "privacy_email": settings.PRIVACY_CONTACT_EMAIL,
        "subject_name": SAMPLE_NAME, "cases": [dsr], "submission": SampleSubmission(language=language),
        "status_url": SAMPLE_LINK, "dsr": dsr, "reference": dsr.reference, "references": dsr.reference,
        "right_label": dsr.get_right_display(), "due_on": due, "citation": rule.citation,
        "body": _("(The officer's own words.)"), "question": _("(The officer's question.)"),
        "paused": rule.pause_allowed,
        "paused_on": dsr.receipt_date.isoformat(), "reason": _("(The reason.)"), "original_due_on": due,
        "new_due_on": (dsr.extended_respond_by or dsr.due_on).isoformat(),
        "response": _("(The officer's response.)"), "erasure_summary": "", "rights_notice": complaint_text(regime),
        "processed_on": dsr.receipt_date.isoformat(), "ground_label": _("(The ground of the denial.)"),
        "explanation": "", "regime_label": dsr.get_regime_display(), "organization_name": "Sample Clinic",
        "organization_email": "privacy@clinic.example.invalid", "received_on": dsr.receipt_date,
        "subject_email": SAMPLE_EMAIL, "details": "", "note": "", "answer_label": "Complied",
        "chase_count": 1, "form_url": SAMPLE_LINK, "verify_url": SAMPLE_LINK,
        "verify_expires": _("(expiry, UTC)"), "consumer_asked_to_confirm": True,
        "verify_links": [{"references": dsr.reference, "url": SAMPLE_LINK}],
        "link_sent_on": dsr.receipt_date, "link_expires_on": dsr.receipt_date + dt.timedelta(days=7),
        "new_link_url": SAMPLE_LINK, "confirm_url": SAMPLE_LINK, "statement": _("(The text of the declaration.)"),
        "agent_name": "Sample Agent LLC", "expires_on": (dsr.receipt_date + dt.timedelta(days=14)).isoformat(),
        "package_url": SAMPLE_LINK, "expires_at": clock.now() + dt.timedelta(days=14),
        "preferences_url": SAMPLE_LINK, "unsubscribe_url": SAMPLE_LINK, "link_days": 7,
        "system_name": "Sample imaging AI",
    }
    return {name: values[name] for name in template_variables(key)}


@dataclass(frozen=True)
class Preview:
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    error: str = ""


def template_preview(*, key: str, subject: str, body_text: str, body_html: str = "", language: str,
                     regime: str) -> Preview:
    """Render a template's texts with the sample context under `language` and `regime`; never raises.

    An unknown regime previews under the first regime; a template that does not parse or render returns the
    error in words instead.
    """
    language = language_normalize(language)
    regime = regime if regime in REGIMES else REGIMES[0]
    try:
        with translation.override(language):  # the sample's words too: right labels, placeholders
            context = sample_context(key=key, regime=regime, language=language)
            return Preview(
                subject=Template(subject).render(Context(context, autoescape=False)).strip(),
                body_text=Template(body_text).render(Context(context, autoescape=False)),
                body_html=Template(body_html).render(Context(context)) if body_html.strip() else "",
            )
    except TemplateSyntaxError as exc:
        return Preview(error=f"The template is not valid: {exc}")
    except Exception as exc:  # a filter or tag failing on the sample: shown to the editor, never a 500
        return Preview(error=f"The template could not be rendered: {type(exc).__name__}: {exc}")
