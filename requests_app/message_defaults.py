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
    # Fulfilment: the access/portability package is ready (context: package_url, expires_at).
    "access_package_ready": DefaultTemplate(
        description="The requester's copy of their data is ready to download (signed link, expires).",
        subject="Your data is ready to download",
        body_text="Dear {{ subject_name|default:'requester' }},\n\n"
                  "The copy of the information we hold about you is ready. Download it here:\n\n"
                  "{{ package_url }}\n\n"
                  "For your protection you will be asked to confirm your e-mail address. The link works until "
                  "{{ expires_at|date:'j F Y' }}; after that the file is deleted.\n" + _SIGNATURE,
    ),
}
