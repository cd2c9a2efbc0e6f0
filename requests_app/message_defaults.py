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
}


# Scheduled jobs (issue 8): the reminder to verify, and the notice that an unverified request was closed.
DEFAULT_TEMPLATES["verification_reminder"] = DefaultTemplate(
    description="Sent once, a day after the verification link, while the request is not yet confirmed.",
    subject="Please confirm your privacy request",
    body_text="""Dear {{ subject_name|default:'requester' }},

On {{ link_sent_on|date:'j F Y' }} we sent you an e-mail with a link to confirm your
request{{ cases|length|pluralize }}:
{% for case in cases %}- {{ case.reference }}: {{ case.get_right_display }}
{% endfor %}
Please open the link in that e-mail. It stays valid until {{ link_expires_on|date:'j F Y' }}. If we cannot
confirm that the request comes from you by then, we will have to close it without acting on it.
If you cannot find the e-mail, write to {{ privacy_email }}.
""" + _SIGNATURE,
)

DEFAULT_TEMPLATES["closed_unverified"] = DefaultTemplate(
    description="Sent when a request is closed because the requester's identity could not be verified.",
    subject="Your privacy request was closed: we could not verify it",
    body_text="""Dear {{ subject_name|default:'requester' }},

We have closed your request{{ cases|length|pluralize }} without acting on {{ cases|length|pluralize:"it,them" }}:
{% for case in cases %}- {{ case.reference }}: {{ case.get_right_display }}
{% endfor %}
Reason: {{ reason }}.

We must be able to confirm that a request comes from the person it is about before we act on it. You
can make a new request at any time; if you believe this is a mistake, write to {{ privacy_email }}.
""" + _SIGNATURE,
)
