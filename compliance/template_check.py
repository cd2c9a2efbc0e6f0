"""Check an editable message template against the statements the rules require for its kind of message.

Used by the template admin (refuse to save) and documented in docs/compliance.md. No models: only Django's
template parser, so the outbox (below the apps that send decisions) can use it.
"""

from __future__ import annotations

from django.template import Template, TemplateSyntaxError
from django.template.base import VariableNode

from compliance.rules import MESSAGE_KINDS, STATEMENT_VARIABLES, STATEMENTS, required_variables


def template_problems(*, key: str, body_text: str, body_html: str = "") -> list[str]:
    """Return why a message template cannot be saved (a required variable missing, a syntax error)."""
    kinds = [kind for kind, template_key in MESSAGE_KINDS.items() if template_key == key]
    if not kinds:
        return []
    needed = sorted({variable for kind in kinds for variable in required_variables(kind)})
    problems = []
    for part, source in (("text body", body_text), ("HTML body", body_html)):
        if part == "HTML body" and not source.strip():
            continue
        try:
            nodes = Template(source).nodelist.get_nodes_by_type(VariableNode)
        except TemplateSyntaxError as exc:
            problems.append(f"The {part} is not a valid template: {exc}")
            continue
        printed = {node.filter_expression.var.var for node in nodes
                   if hasattr(node.filter_expression.var, "var")}
        for variable in needed:
            if variable not in printed:
                what = "; ".join(sorted({STATEMENTS[code] for code, var in STATEMENT_VARIABLES.items()
                                         if var == variable}))
                problems.append(f"The {part} must print {{{{ {variable} }}}} ({what}).")
    return problems
