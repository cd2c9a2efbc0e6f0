"""The purposes of the privacy policy (§2–§4, §8, §10) and their first notice texts: seed data.

Read by the seed migration and by `services.purposes_seed` (idempotent). Defaults per regime are data on
each purpose; the most protective default of a person's listed regimes applies (selectors.default_for).
Officers change purposes and publish new notice versions in the admin; this is only the starting point.
"""

import datetime as dt
from typing import Any

POLICY_EFFECTIVE = dt.datetime(2025, 3, 27, tzinfo=dt.UTC)
EUROPE_OPT_IN = {"gdpr": "opt_in", "uk_gdpr": "opt_in", "ch_fadp": "opt_in"}
US_STATES = ("va", "co", "ct", "tx", "or")

PURPOSES: list[dict[str, Any]] = [
    {
        "code": "marketing_email",
        "label": "Marketing e-mails",
        "description": "Newsletters and news about our products and services, sent by e-mail.",
        "lawful_basis": "consent_where_required",
        "lawful_basis_note": "Policy §3 (Marketing and Promotions), §7(a): opt-in for electronic marketing in the "
                             "EU/UK/Switzerland (ePrivacy), opt-out elsewhere (CAN-SPAM). GDPR Art. 21(3).",
        "regime_defaults": {**EUROPE_OPT_IN, "default": "opt_out"},
        "minor_rule": "digital_consent_age",
        "request_rights": ["direct_marketing_objection"],
        "honors_gpc": False,
        "notice": "We would like to send you e-mails about our products and services, such as newsletters. "
                  "You can stop them at any time with the unsubscribe link in every e-mail or on your privacy "
                  "choices page. (Privacy Policy §3, Marketing and Promotions.)",
    },
    {
        "code": "targeted_advertising",
        "label": "Targeted advertising and advertising cookies",
        "description": "Showing you ads based on what you do on our site and elsewhere, using advertising cookies "
                       "and advertising partners.",
        "lawful_basis": "consent_where_required",
        "lawful_basis_note": "Policy §3 (targeted ads), §4 (advertising cookies may be a 'sale'/'sharing'), §8. "
                             "Consent for non-essential cookies in Europe; opt-out of sharing under the CCPA and "
                             "US state laws.",
        "regime_defaults": {**EUROPE_OPT_IN, "default": "opt_out"},
        "minor_rule": "sale_opt_in_age",
        "request_rights": ["opt_out_sale_sharing"],
        "honors_gpc": True,
        "notice": "We and our advertising partners may use advertising cookies to show you ads based on your "
                  "activity on our services and on other sites. Under California law this may be 'sharing' of "
                  "personal information; you may opt out at any time. (Privacy Policy §3, §4, §8.)",
    },
    {
        "code": "sale_sharing",
        "label": "Sale or sharing of personal information",
        "description": "Giving your personal information to others for something of value, or for advertising "
                       "across other companies' sites (what California law calls 'sale' and 'sharing').",
        "lawful_basis": "consent_where_required",
        "lawful_basis_note": "Policy §4 (CCPA 'Sale'/'Sharing' and Opt-Out), §8. CCPA §1798.120; under 16 opt-in "
                             "(§1798.120(c)). Consent in Europe.",
        "regime_defaults": {**EUROPE_OPT_IN, "default": "opt_out"},
        "minor_rule": "sale_opt_in_age",
        "request_rights": ["opt_out_sale_sharing"],
        "honors_gpc": True,
        "notice": "We do not sell personal information for money, but some of our data sharing (for example "
                  "through advertising cookies, or for research and AI development for valuable consideration) "
                  "may count as a 'sale' or 'sharing' under laws such as the CCPA. You may opt out at any time, "
                  "and a Global Privacy Control signal from your browser is honored as an opt-out. "
                  "(Privacy Policy §4, §8.)",
    },
    {
        "code": "analytics_cookies",
        "label": "Analytics cookies",
        "description": "Measuring how our website and services are used (for example with Google Analytics) so "
                       "we can improve them.",
        "lawful_basis": "consent_where_required",
        "lawful_basis_note": "Policy §3 (Analytics and Usage Insights), §4 (analytics providers). Consent for "
                             "non-essential cookies in Europe; notice and opt-out elsewhere.",
        "regime_defaults": {**EUROPE_OPT_IN, "default": "opt_out"},
        "minor_rule": "none",
        "request_rights": [],
        "honors_gpc": False,
        "notice": "We use analytics cookies to understand how our services are used, monitor aggregate metrics, "
                  "diagnose technical issues and improve the experience. (Privacy Policy §3, Analytics.)",
    },
    {
        "code": "precise_geolocation",
        "label": "Precise location",
        "description": "Collecting your precise location (not just the city or region your internet address "
                       "suggests).",
        "lawful_basis": "consent",
        "lawful_basis_note": "Policy §2(a) Location Data: 'We will ask for explicit consent before collecting "
                             "precise geolocation data.' Sensitive personal information (CCPA, US state laws).",
        "regime_defaults": {"default": "opt_in"},
        "minor_rule": "digital_consent_age",
        "request_rights": ["limit_sensitive"],
        "honors_gpc": False,
        "notice": "With your permission we collect your precise geolocation to provide location-based features. "
                  "We do not collect it without your explicit consent, and you can withdraw it at any time. "
                  "(Privacy Policy §2(a), Location Data.)",
    },
    {
        "code": "research_deidentified",
        "label": "Research on de-identified data",
        "description": "Using de-identified or aggregated information derived from your data for medical "
                       "research, education and publications.",
        "lawful_basis": "consent_where_required",
        "lawful_basis_note": "Policy §3 (Educational and Research Purposes) and §4 (Research and AI Development): "
                             "'We will obtain specific consent where required by law or agreement.'",
        "regime_defaults": {**EUROPE_OPT_IN, "default": "opt_out"},
        "minor_rule": "digital_consent_age",
        "request_rights": [],
        "honors_gpc": False,
        "notice": "We may use de-identified or aggregated information derived from patient information and other "
                  "data for medical research, educational materials, publications and improving healthcare, and "
                  "share it with research partners under appropriate agreements. (Privacy Policy §3, §4.)",
    },
    {
        "code": "ai_training_deidentified",
        "label": "AI development and training on de-identified data",
        "description": "Using de-identified or aggregated information derived from your data to develop, train "
                       "and improve artificial intelligence tools for medical imaging, diagnostics or treatment "
                       "planning.",
        "lawful_basis": "consent_where_required",
        "lawful_basis_note": "Policy §3 (Development and Training of AI Tools and Database Building) and §4: "
                             "'We will obtain specific consent for such uses where required by law or agreement.'",
        "regime_defaults": {**EUROPE_OPT_IN, "default": "opt_out"},
        "minor_rule": "digital_consent_age",
        "request_rights": [],
        "honors_gpc": False,
        "notice": "We may use de-identified or aggregated information derived from patient information and other "
                  "data to develop, train and improve artificial intelligence tools related to medical imaging, "
                  "diagnostics or treatment planning, and to build related databases. (Privacy Policy §3, §4.)",
    },
    {
        "code": "sensitive_pi_beyond_service",
        "label": "Use of sensitive information beyond providing the service",
        "description": "Using sensitive personal information (such as health information) for anything other "
                       "than providing the service you or your clinic asked for.",
        "lawful_basis": "consent_where_required",
        "lawful_basis_note": "Policy §7(c) Right to Limit Use of Sensitive Personal Information, §8 (CCPA regs "
                             "§7027(m)). Explicit consent in Europe (GDPR Art. 9) and in VA, CO, CT, TX, OR; "
                             "a right to limit (opt-out) under the CCPA.",
        "regime_defaults": {**EUROPE_OPT_IN, **{state: "opt_in" for state in US_STATES},
                            "ccpa": "opt_out", "default": "opt_in"},
        "minor_rule": "digital_consent_age",
        "request_rights": ["limit_sensitive"],
        "honors_gpc": False,
        "notice": "We use sensitive personal information mainly to provide our services as directed by registered "
                  "users. With your permission we may also use it for other purposes described in our Privacy "
                  "Policy; you may limit its use to what the service needs at any time. (Privacy Policy §7(c), §8.)",
    },
]



def seed_purposes(purpose_model: Any, notice_model: Any) -> int:
    """Create each purpose that does not exist yet, with notice version 1; return how many were created."""
    created_count = 0
    for order, data in enumerate(PURPOSES, start=1):
        fields = {k: v for k, v in data.items() if k not in ("code", "notice")}
        purpose, created = purpose_model.objects.get_or_create(
            code=data["code"], defaults={**fields, "display_order": order})
        if created:
            notice_model.objects.create(purpose=purpose, version=1, text=data["notice"], effective_at=POLICY_EFFECTIVE)
            created_count += 1
    return created_count
