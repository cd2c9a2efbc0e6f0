"""The variables each message template may use: one declared table, read by the template editor (listed
beside it, unknown names refused on save) and by the preview's sample context (outbox/preview.py).

Each sending service builds its context from one of the groups below plus what it adds; a test runs the
senders and checks every context key they pass is declared here (tests/outbox/test_template_variables.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType

from django.template import Template, TemplateSyntaxError
from django.template.base import FilterExpression, NodeList, Variable
from django.template.defaulttags import ForNode, IfNode, WithNode
from django.utils.translation import gettext_lazy as _

# What each name means, for the officer editing a template (one meaning per name across all templates).
VARIABLE_HELP: Mapping[str, str] = MappingProxyType({
    "company_name": _("The company's name."),
    "privacy_email": _("The privacy office's e-mail address."),
    "subject_name": _("The requester's name (may be empty)."),
    "cases": _("The cases of the message; each has reference, get_right_display, respond_by, "
               "extended_respond_by (and verification_help in receipts)."),
    "submission": _("The filing: is_agent, agent_name, clinic_name."),
    "status_url": _("The requester's status-page link."),
    "dsr": _("The case (e.g. dsr.right, dsr.reference)."),
    "reference": _("The case reference, e.g. DSR-2026-000123."),
    "references": _("All references of the filing, comma-separated."),
    "right_label": _("The right asked for, in words."),
    "due_on": _("The date the case is due now."),
    "citation": _("The legal citation of the rule applied (printed as is)."),
    "body": _("The officer's own words."),
    "question": _("The officer's question."),
    "paused": _("True when the clock is paused while we wait."),
    "paused_on": _("The day the clock was paused."),
    "reason": _("The reason (of an extension, a denial or a closure)."),
    "original_due_on": _("The due date before the extension."),
    "new_due_on": _("The due date after the extension."),
    "response": _("The officer's response to the requester."),
    "erasure_summary": _("What an erasure deleted where, and what is kept, why and until when."),
    "rights_notice": _("The rights statements the rules require for this decision (must be printed)."),
    "processed_on": _("The day the request was processed."),
    "ground_label": _("The ground of the denial, in words."),
    "explanation": _("The officer's explanation of the denial."),
    "regime_label": _("The law that applies, in words."),
    "organization_name": _("The clinic or organization that controls the data."),
    "organization_email": _("The organization's privacy e-mail address."),
    "received_on": _("The day the request was received."),
    "subject_email": _("The requester's e-mail address (messages to the organization only)."),
    "details": _("The details the requester gave."),
    "note": _("The officer's note to the organization."),
    "answer_label": _("The organization's answer, in words."),
    "chase_count": _("How many reminders the organization has had."),
    "form_url": _("The link to the request form."),
    "verify_url": _("The single-use link confirming the e-mail address (empty when none is needed)."),
    "verify_expires": _("When the confirmation link expires (UTC)."),
    "consumer_asked_to_confirm": _("True when the consumer was asked to confirm directly."),
    "verify_links": _("The confirmation links still open: each has references and url."),
    "link_sent_on": _("The day the confirmation link was sent."),
    "link_expires_on": _("The day the confirmation link expires."),
    "new_link_url": _("The page where the requester asks for a new link."),
    "confirm_url": _("The single-use link to confirm or sign."),
    "statement": _("The text of the declaration or confirmation."),
    "agent_name": _("The authorized agent's name."),
    "expires_on": _("The day the link expires."),
    "package_url": _("The signed download link of the access package."),
    "expires_at": _("When the download link expires."),
    "preferences_url": _("The link to the preference center."),
    "unsubscribe_url": _("The one-click unsubscribe link."),
    "link_days": _("How many days the link works."),
    "system_name": _("The automated decision system concerned (messages to the organization only)."),
})

# The context builders: outbox.services.base_context (every message about a request), the workbench's and
# the referrals' per-case context, the receipts of the intake.
REQUEST = ("company_name", "privacy_email", "subject_name", "cases", "submission", "status_url")
CASE = (*REQUEST, "dsr", "reference", "right_label", "due_on", "citation")
REFERRAL = (*CASE, "regime_label", "organization_name", "organization_email", "received_on")
RECEIPT = (*REQUEST, "references", "received_on", "form_url", "verify_url", "verify_expires")
DECISION = (*CASE, "response", "erasure_summary", "rights_notice", "processed_on")
CONFIRMATION = (*REQUEST, "reference", "right_label", "confirm_url", "statement", "agent_name", "expires_on")

TEMPLATE_VARIABLES: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "thread_message": (*CASE, "body"),
    "thread_documents_needed": (*CASE, "body"),
    "thread_progress": (*CASE, "body"),
    "generic": (*CASE, "body"),
    "consents-preference-link": ("company_name", "privacy_email", "subject_name", "preferences_url",
                                 "unsubscribe_url", "link_days"),
    "access_package_ready": (*REQUEST, "package_url", "expires_at"),
    "clarification_request": (*CASE, "question", "paused", "paused_on"),
    "identity_request": (*CASE, "question", "paused", "paused_on"),
    "extension_notice": (*CASE, "reason", "original_due_on", "new_due_on"),
    "completion": DECISION,
    "opt_out_processed": DECISION,
    "denial": (*CASE, "ground_label", "reason", "explanation", "rights_notice"),
    "redirect_patient": (*REFERRAL, "subject_email", "details", "note"),
    "redirect_organization": (*REFERRAL, "subject_email", "details", "note"),
    "referral_answered": (*REFERRAL, "answer_label", "rights_notice"),
    "referral_chase": (*REFERRAL, "chase_count"),
    "intake_acknowledgement": RECEIPT,
    "intake_verification": RECEIPT,
    "intake_received": RECEIPT,
    "intake_patient_notice": RECEIPT,
    "intake_agent_copy": (*REQUEST, "references", "received_on", "form_url", "consumer_asked_to_confirm"),
    "intake_withdrawn": (*REQUEST, "form_url"),
    "intake_new_link": (*REQUEST, "verify_links", "verify_expires"),
    "verification_reminder": (*REQUEST, "link_sent_on", "link_expires_on", "new_link_url"),
    "closed_unverified": (*REQUEST, "reason", "rights_notice"),
    "declaration_request": CONFIRMATION,
    "agent_confirmation_request": CONFIRMATION,
    # Automated decisions (admt app)
    "admt_opt_out_processed": DECISION,
    "admt_access_response": (*CASE, "body"),
    "admt_clinic_forward": (*REFERRAL, "subject_email", "system_name"),
})

# Names Django's template engine itself provides inside a template.
BUILTIN_NAMES = frozenset({"True", "False", "None", "forloop", "block"})


def template_variables(key: str) -> tuple[str, ...]:
    """Return the variables `key` may use, sorted; only the common ones for a key not in the table."""
    return tuple(sorted(set(TEMPLATE_VARIABLES.get(key, REQUEST))))


def _expressions(value: object) -> Iterator[FilterExpression]:
    """Yield the filter expressions in a node attribute (an expression, an `if` condition, a list of them)."""
    if isinstance(value, FilterExpression):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _expressions(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions(item)
    elif hasattr(value, "value") and isinstance(value.value, FilterExpression):  # an `if` literal
        yield value.value
    elif hasattr(value, "first") and hasattr(value, "second"):  # an `if` operator
        yield from _expressions(value.first)
        yield from _expressions(value.second)


def _roots(expression: FilterExpression) -> Iterator[str]:
    """Yield the first name of the variable of an expression and of each filter argument."""
    variables = [expression.var] + [arg for _, args in expression.filters for lookup, arg in args if lookup]
    for variable in variables:
        if isinstance(variable, Variable) and variable.lookups:
            yield variable.lookups[0]


def _names_used(nodelist: NodeList, defined: frozenset[str]) -> Iterator[str]:
    for node in nodelist:
        inner = defined
        if isinstance(node, ForNode):
            yield from (root for root in _roots(node.sequence) if root not in defined)
            inner = defined | set(node.loopvars)
            yield from _names_used(node.nodelist_loop, inner)
            yield from _names_used(node.nodelist_empty, defined)
            continue
        if isinstance(node, WithNode):
            for expression in node.extra_context.values():
                yield from (root for root in _roots(expression) if root not in defined)
            yield from _names_used(node.nodelist, defined | set(node.extra_context))
            continue
        if isinstance(node, IfNode):
            for condition, branch in node.conditions_nodelists:
                for expression in _expressions(condition):
                    yield from (root for root in _roots(expression) if root not in defined)
                yield from _names_used(branch, defined)
            continue
        for attr, value in vars(node).items():
            if attr in {"token", "origin", "child_nodelists"}:
                continue
            for expression in _expressions(value):
                yield from (root for root in _roots(expression) if root not in defined)
        for attr in getattr(node, "child_nodelists", ()):
            child = getattr(node, attr, None)
            if isinstance(child, NodeList):
                yield from _names_used(child, defined)


def unknown_variables(*, key: str, sources: tuple[str, ...]) -> list[str]:
    """Return the names the template sources use that `key`'s context does not provide, sorted.

    A source that does not parse is skipped (the required-statement check reports the syntax error).
    """
    allowed = set(template_variables(key)) | BUILTIN_NAMES
    used: set[str] = set()
    for source in sources:
        try:
            nodelist = Template(source).nodelist
        except TemplateSyntaxError:
            continue
        used.update(_names_used(nodelist, frozenset()))
    return sorted(used - allowed)
