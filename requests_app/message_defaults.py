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

# --- The officers' workbench (requests_app.services.workbench) -----------------------------------------
# Context added by the services: `dsr` (the case), `reference`, `right_label`, `due_on`, plus what each says.
DEFAULT_TEMPLATES.update({
    "clarification_request": DefaultTemplate(
        description="An officer asks the requester to clarify the request.",
        subject="Your privacy request {{ reference }}: we need a clarification",
        body_text=(
            "Dear {{ subject_name|default:'requester' }},\n\n"
            "To answer your request {{ reference }} ({{ right_label }}) we need you to clarify the following:\n\n"
            "{{ question }}\n\n"
            "{% if paused %}While we wait for your answer the time we have to respond is paused, as the law "
            "allows ({{ citation }}). The pause started on {{ paused_on }}; every day until you answer is added to "
            "our deadline, which is now {{ due_on }} plus the days paused.{% else %}Our deadline to respond, "
            "{{ due_on }}, is not affected.{% endif %}\n\n"
            "Please reply to this e-mail.\n" + _SIGNATURE
        ),
    ),
    "identity_request": DefaultTemplate(
        description="An officer asks the requester for more information to confirm their identity.",
        subject="Your privacy request {{ reference }}: please help us confirm it is you",
        body_text=(
            "Dear {{ subject_name|default:'requester' }},\n\n"
            "Before we can act on your request {{ reference }} ({{ right_label }}) we need to make sure it is "
            "really you, so that nobody else gets or changes your information:\n\n"
            "{{ question }}\n\n"
            "We only use what you send to confirm your identity. If you send a copy of an identity document, we "
            "record that it was checked and do not keep the copy.\n\n"
            "{% if paused %}While we wait, the time we have to respond is paused, as the law allows "
            "({{ citation }}), from {{ paused_on }} until you answer.{% else %}Our deadline to respond, "
            "{{ due_on }}, is not affected.{% endif %}\n" + _SIGNATURE
        ),
    ),
    "extension_notice": DefaultTemplate(
        description="Sent automatically when an officer extends a case's deadline.",
        subject="Your privacy request {{ reference }}: we need more time",
        body_text=(
            "Dear {{ subject_name|default:'requester' }},\n\n"
            "We are working on your request {{ reference }} ({{ right_label }}). We need more time to answer it "
            "properly, as the law allows ({{ citation }}), and will respond by {{ new_due_on }} instead of "
            "{{ original_due_on }}.\n\n"
            "The reason: {{ reason }}\n" + _SIGNATURE
        ),
    ),
    "completion": DefaultTemplate(
        description="The answer to a completed request.",
        subject="Your privacy request {{ reference }} is complete",
        body_text=(
            "Dear {{ subject_name|default:'requester' }},\n\n"
            "We have completed your request {{ reference }} ({{ right_label }}).\n\n"
            "{{ response }}\n" + _SIGNATURE
        ),
    ),
    "denial": DefaultTemplate(
        description="A refusal, with the reason and the rights the rules require (e.g. GDPR Art. 12(4)).",
        subject="Your privacy request {{ reference }}: our decision",
        body_text=(
            "Dear {{ subject_name|default:'requester' }},\n\n"
            "We cannot act on your request {{ reference }} ({{ right_label }}).\n\n"
            "The reason: {{ ground_label }}.\n"
            "{% if explanation %}\n{{ explanation }}\n{% endif %}\n"
            "Your rights: {{ rights_notice }}\n" + _SIGNATURE
        ),
    ),
    "redirect_patient": DefaultTemplate(
        description="Tells a patient their request was forwarded to the organization that controls their data.",
        subject="Your privacy request {{ reference }} was forwarded to {{ organization_name }}",
        body_text=(
            "Dear {{ subject_name|default:'requester' }},\n\n"
            "Your request {{ reference }} ({{ right_label }}) is about information that {{ organization_name }} "
            "submitted to us for your care. {{ organization_name }} decides on it; we process the information "
            "on its behalf. We have forwarded your request to them today and will help them answer it.\n\n"
            "You can also contact {{ organization_name }} directly at {{ organization_email }}.\n" + _SIGNATURE
        ),
    ),
    "redirect_organization": DefaultTemplate(
        description="Forwards a patient's request to the organization that controls the data.",
        subject="Privacy request {{ reference }} from one of your patients",
        body_text=(
            "Dear {{ organization_name }} privacy team,\n\n"
            "We received a privacy request from a patient whose information you submitted to {{ company_name }}. "
            "As your processor / business associate we forward it to you to decide, and we will help you answer "
            "it.\n\n"
            "Reference: {{ reference }}\n"
            "Request: {{ right_label }}\n"
            "Received: {{ received_on }}\n"
            "Patient: {{ subject_name }} <{{ subject_email }}>\n"
            "{% if details %}Details given: {{ details }}\n{% endif %}"
            "{% if note %}\n{{ note }}\n{% endif %}\n"
            "Please tell us at {{ privacy_email }} what you need from us.\n\n"
            "{{ company_name }} Privacy Office\n"
        ),
    ),
})
