"""Default texts of the messages to requesters, copied into MessageTemplate rows on first use.

Officers edit the stored templates in the admin; these are only the seeds. Templates use Django
template syntax; the context always has `company_name`, `privacy_email`, `subject_name`, `cases` (each
with reference, right label, due date) and `status_url`, plus what the sending service adds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultTemplate:
    description: str
    subject: str
    body_text: str
    body_html: str = ""


_SIGNATURE = """
{{ company_name }} Privacy Office
{{ privacy_email }}
You can follow your request at any time: {{ status_url }}
"""

DEFAULT_TEMPLATES: dict[str, DefaultTemplate] = {
    "generic": DefaultTemplate(
        description="A free-form message from an officer.",
        subject="About your privacy request",
        body_text="Dear {{ subject_name|default:'requester' }},\n\n{{ body }}\n" + _SIGNATURE,
    ),
    "consents-preference-link": DefaultTemplate(
        description="The link to the preference center, sent when someone asks for it (consents app). "
                    "Context: preferences_url, unsubscribe_url, link_days.",
        subject="Your privacy choices at {{ company_name }}",
        body_text="Hello{% if subject_name %} {{ subject_name }}{% endif %},\n\n"
                  "Someone (we hope you) asked for a link to your privacy choices. Open it to see and change "
                  "what you allow us to do with your information:\n\n{{ preferences_url }}\n\n"
                  "The link works for {{ link_days }} days. If you did not ask for it, you can ignore this e-mail.\n\n"
                  "To stop marketing e-mails at once: {{ unsubscribe_url }}\n\n"
                  "{{ company_name }} Privacy Office\n{{ privacy_email }}\n",
    ),
}
