"""Default texts of the messages to requesters, copied into MessageTemplate rows on first use.

Officers edit the stored templates in the admin; these are only the seeds. Templates use Django
template syntax; the context always has `company_name`, `privacy_email`, `subject_name`, `cases` (each
with reference, right label, due date) and `status_url`, plus what the sending service adds.
"""

from __future__ import annotations

from dataclasses import dataclass

from medprivacy.languages import DEFAULT_LANGUAGE, language_codes


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

_ANSWER_ON_STATUS_PAGE = (
    "Please answer on your status page (the link is below): you will be asked to confirm your e-mail address, "
    "then you can write to us and attach documents securely.\n"
)

DEFAULT_TEMPLATES: dict[str, DefaultTemplate] = {
    # The conversation on the status page (workbench.case_message_requester): the officer's text goes where
    # the template says {{ body }}. Shown on the status page, so no secret link may be added here.
    "thread_message": DefaultTemplate(
        description="A message in your own words.",
        subject="A message about your privacy request {{ reference }}",
        body_text="Dear {{ subject_name|default:'requester' }},\n\n{{ body }}\n\n"
                  "You can answer on your status page, where you can also attach documents.\n" + _SIGNATURE,
    ),
    "thread_documents_needed": DefaultTemplate(
        description="Ask for documents (named in your text).",
        subject="Your privacy request {{ reference }}: please send us a document",
        body_text="Dear {{ subject_name|default:'requester' }},\n\n"
                  "To go on with your request {{ reference }} ({{ right_label }}) we need the following:\n\n"
                  "{{ body }}\n\n"
                  "Please attach it to a reply on your status page (PDF, PNG or JPEG), not to an e-mail.\n"
                  + _SIGNATURE,
    ),
    "thread_progress": DefaultTemplate(
        description="Tell the requester how the request is going.",
        subject="Your privacy request {{ reference }}: an update",
        body_text="Dear {{ subject_name|default:'requester' }},\n\n"
                  "An update on your request {{ reference }} ({{ right_label }}), which we will answer by "
                  "{{ due_on }}:\n\n{{ body }}\n\n"
                  "You can answer on your status page.\n" + _SIGNATURE,
    ),
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
            + _ANSWER_ON_STATUS_PAGE + _SIGNATURE
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
            "{{ due_on }}, is not affected.{% endif %}\n\n" + _ANSWER_ON_STATUS_PAGE + _SIGNATURE
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
            "{{ response }}\n"
            "{% if erasure_summary %}\n{{ erasure_summary }}\n{% endif %}"
            "{% if rights_notice %}\n{{ rights_notice }}\n{% endif %}" + _SIGNATURE
        ),
    ),
    "denial": DefaultTemplate(
        description="A refusal, with the reason and the rights the rules require (e.g. GDPR Art. 12(4)).",
        subject="Your privacy request {{ reference }}: our decision",
        body_text=(
            "Dear {{ subject_name|default:'requester' }},\n\n"
            "We cannot act on your request {{ reference }} ({{ right_label }}).\n\n"
            "The reason: {{ reason }}.\n"
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

# --- Intake (request form, verification, status page) ----------------------------------------------
# Context added by requests_app.services.intake: `references` (comma-separated), `received_on` (date),
# `verify_url` and `verify_expires` (text, UTC) when the e-mail address still has to be confirmed,
# `form_url`; each case in `cases` also carries `verification_help` (plain words for its level).
# No statutory number of days appears here: every date comes from the case (the rules table).

_INTAKE_CASE_LIST = """{% for c in cases %}
- {{ c.reference }}: {{ c.get_right_display }}
  We will respond by {{ c.respond_by|date:"j F Y" }}.{% if c.extended_respond_by %} If we need more time, we will tell you why before that date; the latest we may then respond is {{ c.extended_respond_by|date:"j F Y" }}.{% endif %}{% endfor %}
"""  # noqa: E501

_INTAKE_AGENT_NOTE = """{% if submission.is_agent %}
This request was filed for you by an authorized agent, {{ submission.agent_name }}. If you did not ask anyone \
to act for you, {% if verify_url %}do not open the link below, and {% endif %}tell us at {{ privacy_email }}.
{% endif %}"""

_INTAKE_VERIFY_STEP = """{% if verify_url %}
Please confirm your e-mail address by opening this link before {{ verify_expires }}:
{{ verify_url }}
The link works once. If it has expired, you can ask for a new one on our website.
{% endif %}"""

DEFAULT_TEMPLATES.update({
    "intake_acknowledgement": DefaultTemplate(
        description="Receipt of a request under a law with an acknowledgement duty (CCPA, 11 CCR §7021): "
                    "how the request will be verified and when we will respond.",
        subject="We received your privacy request ({{ references }})",
        body_text="""Dear {{ subject_name|default:"requester" }},

We received your privacy request on {{ received_on|date:"j F Y" }}. This e-mail confirms that we have it, \
explains how we will verify it and tells you when we will respond.
""" + _INTAKE_AGENT_NOTE + """
Your requests and when we will respond:
""" + _INTAKE_CASE_LIST + """
How we will verify your request:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}""" + _INTAKE_VERIFY_STEP + """
We never charge a fee to verify or answer a request. We use the information you give us only to verify \
your identity and to answer your request.
""" + _SIGNATURE,
    ),
    "intake_verification": DefaultTemplate(
        description="Receipt of a request whose e-mail address must be confirmed (no acknowledgement duty).",
        subject="Please confirm your privacy request ({{ references }})",
        body_text="""Dear {{ subject_name|default:"requester" }},

We received your privacy request on {{ received_on|date:"j F Y" }}.
""" + _INTAKE_AGENT_NOTE + """
Your requests and when we will respond:
""" + _INTAKE_CASE_LIST + """""" + _INTAKE_VERIFY_STEP + """
How we verify your request:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}""" + _SIGNATURE,
    ),
    "intake_received": DefaultTemplate(
        description="Receipt of requests that need no verification (opt-outs, consent withdrawal): work starts.",
        subject="We received your privacy request ({{ references }})",
        body_text="""Dear {{ subject_name|default:"requester" }},

We received your privacy request on {{ received_on|date:"j F Y" }}. It needs no verification, so we have \
started on it. We will write to you again when it has been processed.
""" + _INTAKE_AGENT_NOTE + """
Your requests and when we will have acted on them:
""" + _INTAKE_CASE_LIST + """""" + _SIGNATURE,
    ),
    "intake_patient_notice": DefaultTemplate(
        description="Receipt of a request about data a clinic submitted: the clinic controls it; we pass it on.",
        subject="Your privacy request is being passed on to {{ submission.clinic_name }} ({{ references }})",
        body_text="""Dear {{ subject_name|default:"requester" }},

We received your privacy request on {{ received_on|date:"j F Y" }}.

You told us that your information was given to us by {{ submission.clinic_name }}. We process that \
information for {{ submission.clinic_name }}, which controls it and decides on requests about it. We have \
passed your request to our privacy office, which is forwarding it to {{ submission.clinic_name }}. The clinic \
will verify your identity and answer you; we will help it do so.
""" + _INTAKE_AGENT_NOTE + """
Your requests and the dates we are tracking:
""" + _INTAKE_CASE_LIST + """
How your request will be verified:
{% for c in cases %}- {{ c.reference }}: {{ c.verification_help }}
{% endfor %}
You do not need to do anything now. We never charge a fee for a request.
""" + _SIGNATURE,
    ),
    "intake_agent_copy": DefaultTemplate(
        description="Copy for an authorized agent who filed a request: no links, the consumer confirms directly.",
        subject="Privacy request filed for {{ subject_name }} ({{ references }})",
        body_text="""Dear {{ submission.agent_name|default:"agent" }},

We received the privacy request you filed on {{ received_on|date:"j F Y" }} for {{ subject_name }}, with \
the signed authorization you uploaded.

Requests and when we will respond:
""" + _INTAKE_CASE_LIST + """
{% if consumer_asked_to_confirm %}We have e-mailed {{ subject_name }} directly and asked them to confirm \
the request, as the law allows us to do.{% else %}These requests need no confirmation: we have started on \
them and told {{ subject_name }} directly.{% endif %} We may also contact them to confirm that they gave you \
permission to act for them. Our privacy office will check the authorization you uploaded.

{{ company_name }} Privacy Office
{{ privacy_email }}
""",
    ),
    "intake_withdrawn": DefaultTemplate(
        description="Confirmation that the requester withdrew a request on the status page.",
        subject="You withdrew your privacy request {% for c in cases %}{{ c.reference }}{% endfor %}",
        body_text="""Dear {{ subject_name|default:"requester" }},

As you asked, we have withdrawn this request and stopped working on it:
{% for c in cases %}- {{ c.reference }}: {{ c.get_right_display }}
{% endfor %}
If this was a mistake, you can make a new request at any time: {{ form_url }}
""" + _SIGNATURE,
    ),
    "intake_new_link": DefaultTemplate(
        description="A fresh status-page link (and confirmation links) asked for on the website.",
        subject="Your link to your privacy requests",
        body_text="""Dear {{ subject_name|default:"requester" }},

You asked for a new link to your privacy requests. Open this link to see them and the messages we sent:
{{ status_url }}
{% if verify_links %}
These requests still need you to confirm your e-mail address. Open the link for each before {{ verify_expires }}:
{% for item in verify_links %}- {{ item.references }}: {{ item.url }}
{% endfor %}{% endif %}
If you did not ask for this link, you can ignore this e-mail.
""" + _SIGNATURE,
    ),
})

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
If you cannot find the e-mail, ask for a new link at {{ new_link_url }} or write to {{ privacy_email }}.
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

{{ rights_notice }}
""" + _SIGNATURE,
)

# Issue 15: what the consumer confirms directly, and the confirmation that an opt-out was processed.
# Context: `reference`, `right_label`, `confirm_url`, `statement`, `agent_name`, `expires_on`.
DEFAULT_TEMPLATES.update({
    "declaration_request": DefaultTemplate(
        description="Asks the consumer to sign a declaration under penalty of perjury (11 CCR §7062(c)).",
        subject="Your privacy request {{ reference }}: please sign a declaration",
        body_text="""Dear {{ subject_name|default:'requester' }},

To give you the specific pieces of information we hold about you (request {{ reference }}, \
{{ right_label }}), the law asks us to verify your identity to a reasonably high degree of certainty. \
Please open this link, read the declaration and sign it by typing your name:

{{ confirm_url }}

The declaration reads: "{{ statement }}"

The link works once, until {{ expires_on }}. If you do not sign it, we will tell you the categories of \
information we hold instead of the specific pieces.
""" + _SIGNATURE,
    ),
    "agent_confirmation_request": DefaultTemplate(
        description="Asks the consumer to confirm directly that an authorized agent acts for them (§7063(a)(2)).",
        subject="Did you ask {{ agent_name|default:'an agent' }} to make a privacy request for you?",
        body_text="""Dear {{ subject_name|default:'requester' }},

{{ agent_name|default:'An authorized agent' }} made a privacy request for you ({{ reference }}, \
{{ right_label }}). Before we act on it, please confirm directly with us that you gave them permission:

{{ confirm_url }}

The link works once, until {{ expires_on }}. If you did not ask anyone to act for you, open the link and \
answer "No", or tell us at {{ privacy_email }}.
""" + _SIGNATURE,
    ),
    "opt_out_processed": DefaultTemplate(
        description="Confirms that an opt-out of sale/sharing or a limit on sensitive data was processed.",
        subject="Your privacy request {{ reference }} has been processed",
        body_text="""Dear {{ subject_name|default:'requester' }},

We have processed your request {{ reference }} ({{ right_label }}) on {{ processed_on }}. We no longer \
{% if dsr.right == "limit_sensitive" %}use your sensitive personal information beyond what is needed to \
provide our services{% else %}sell or share your personal information{% endif %}, and we have told the \
third parties concerned to do the same.

{{ response }}
""" + _SIGNATURE,
    ),
})


# Patient requests forwarded to the clinic that controls the data (referrals app): tracked until it answers.
DEFAULT_TEMPLATES.update({
    "referral_chase": DefaultTemplate(
        description="Reminds a clinic that a patient request we forwarded is still waiting for its answer.",
        subject="Reminder: privacy request {{ reference }} from one of your patients is due {{ due_on }}",
        body_text=(
            "Dear {{ organization_name }} privacy team,\n\n"
            "On {{ received_on }} a patient asked for: {{ right_label }} (our reference {{ reference }}). We "
            "forwarded the request to you as your processor / business associate. Under {{ regime_label }} "
            "({{ citation }}) the answer is due by {{ due_on }}.\n\n"
            "Please tell us at {{ privacy_email }} how you answered, or what you need from us.\n\n"
            "{{ company_name }} Privacy Office\n{{ privacy_email }}\n"
        ),
    ),
    "referral_answered": DefaultTemplate(
        description="Tells a patient that the clinic we forwarded their request to has answered it.",
        subject="Your privacy request {{ reference }}: {{ organization_name }} has answered",
        body_text=(
            "Dear {{ subject_name|default:'requester' }},\n\n"
            "{{ organization_name }}, which decides on your request {{ reference }} ({{ right_label }}), has "
            "told us: {{ answer_label|lower }}. If you have not received its answer, or disagree with it, "
            "contact {{ organization_name }} at {{ organization_email }}.\n"
            "{% if rights_notice %}\nYour rights: {{ rights_notice }}\n{% endif %}" + _SIGNATURE
        ),
    ),
})


# Automated decisions (admt app; RULES.md §9).
DEFAULT_TEMPLATES.update({
    "admt_opt_out_processed": DefaultTemplate(
        description="Confirms that an opt-out of automated decision-making or of profiling was processed.",
        subject="Your privacy request {{ reference }} has been processed",
        body_text="""Dear {{ subject_name|default:'requester' }},

We have processed your request {{ reference }} ({{ right_label }}) on {{ processed_on }}. We no longer use \
automated decision-making technology {% if dsr.right == "profiling_opt_out" %}to profile you for decisions \
with legal or similarly significant effects{% else %}to make decisions about you{% endif %}, and we have told \
everyone who processes your information with it to stop as well. We will not ask you to opt back in for at \
least 12 months.

{{ response }}
{% if rights_notice %}
{{ rights_notice }}
{% endif %}""" + _SIGNATURE,
    ),
    "admt_clinic_forward": DefaultTemplate(
        description="Forwards an opt-out of a clinic's automated decision system to the clinic (we are its "
                    "service provider) and asks for its instruction.",
        subject="Opt-out of automated decision-making {{ reference }}: your instruction is needed by {{ due_on }}",
        body_text=(
            "Dear {{ organization_name }} privacy team,\n\n"
            "On {{ received_on }} a person ({{ subject_email }}) asked to opt out of automated decision-making "
            "(our reference {{ reference }}). We run {{ system_name }} for you as your service provider, so the "
            "decision is yours. The opt-out must be carried out no later than {{ due_on }} (15 business days from "
            "receipt, 11 CCR §7221(n)).\n\n"
            "Please tell us at {{ privacy_email }} whether to stop using {{ system_name }} on this person, or that "
            "you rely on an exception (and answer the person yourself).\n\n"
            "{{ company_name }} Privacy Office\n{{ privacy_email }}\n"
        ),
    ),
    # Put in the conversation on the status page (no secret link may be added here).
    "admt_access_response": DefaultTemplate(
        description="The answer to a request to access information about automated decision-making.",
        subject="Your privacy request {{ reference }}: how we use automated decision-making about you",
        body_text="Dear {{ subject_name|default:'requester' }},\n\n{{ body }}\n\n"
                  "You can answer on your status page.\n" + _SIGNATURE,
    ),
})


# --- Languages (issue 18) ---------------------------------------------------------------------------------
# Every key has an English default; the Spanish and German versions (same variables, same legal meaning) live
# in their own modules. A key without a version in a language is sent in English, with a warning in the admin.
from outbox import defaults_de, defaults_es  # noqa: E402  (they import DefaultTemplate from here)

# Written to an organization (the clinic that controls a patient's data), not to the requester: always in
# English, whatever the requester's language.
ORGANIZATION_TEMPLATES: frozenset[str] = frozenset({"redirect_organization", "referral_chase", "admt_clinic_forward"})

DEFAULTS_BY_LANGUAGE: dict[str, dict[str, DefaultTemplate]] = {
    "en": DEFAULT_TEMPLATES,
    "es": defaults_es.TEMPLATES,
    "de": defaults_de.TEMPLATES,
}


def default_for(key: str, language: str) -> DefaultTemplate | None:
    """Return the default of `key` in `language` (with the English description), or None if it has none."""
    default = DEFAULTS_BY_LANGUAGE.get(language, {}).get(key)
    if default is None:
        return None
    if language == "en" or default.description:
        return default
    return DefaultTemplate(description=DEFAULT_TEMPLATES[key].description, subject=default.subject,
                           body_text=default.body_text, body_html=default.body_html)


def template_languages(key: str) -> tuple[str, ...]:
    """Return the languages `key` is written to people in: English only for an organization's message."""
    return (DEFAULT_LANGUAGE,) if key in ORGANIZATION_TEMPLATES else language_codes()
