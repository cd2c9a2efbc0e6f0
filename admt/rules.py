"""Hold the automated-decision tables (11 CCR §7001(e), §7220-7222; RULES.md §9): pure data, no Django.

The rights themselves (codes, clocks, verification) are rows of the one rules table, `regimes/rules.py`;
this module says what the AI register records and what each ADMT right asks of a registered system.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# The kinds of "significant decision" (§7001(ddd)); advertising is not one.
DECISION_KINDS: Mapping[str, str] = MappingProxyType({
    "healthcare": "Healthcare services (diagnosis, prevention, treatment, assessment or care)",
    "employment": "Employment or independent contracting",
    "financial": "Financial or lending services",
    "housing": "Housing",
    "education": "Education enrolment or opportunities",
    "none": "No significant decision",
})

# The three opt-out exceptions of §7221(b), or none.
EXCEPTIONS: Mapping[str, str] = MappingProxyType({
    "none": "None: the opt-out is offered",
    "human_appeal": "Human appeal to a qualified reviewer who can overturn the decision (§7221(b)(1))",
    "admission_hiring": "Admission, acceptance or hiring decisions (§7221(b)(2))",
    "work_allocation": "Allocation of work and compensation (§7221(b)(3))",
})

# Whose ADMT it is: ours (we are the business), or a clinic's (we are its service provider: the clinic decides).
COMPANY_ROLES: Mapping[str, str] = MappingProxyType({
    "business": "We are the business using it",
    "service_provider": "We are a service provider: a clinic uses it",
})

# §7001(e): a human "substantially" involved knows how to read the output, reviews it with other information,
# and has the authority to change the decision. Without all three the technology replaces the human.
HUMAN_CONDITIONS: Mapping[str, str] = MappingProxyType({
    "human_can_interpret": "Knows how to interpret and use the output",
    "human_reviews_other_information": "Reviews the output together with other relevant information",
    "human_can_change_decision": "Has the authority to make or change the decision",
})

# What each ADMT right asks of a registered system: (action for the system itself, action for each recipient of
# its output). The actions are labelled in `fulfilment.rules.ACTIONS`.
RIGHT_ACTIONS: Mapping[str, tuple[str, str | None]] = MappingProxyType({
    "admt_opt_out": ("stop_admt", "instruct_stop_admt"),
    "profiling_opt_out": ("stop_admt", "instruct_stop_admt"),
    "admt_access": ("export_admt", None),
})
# On a clinic's system (we are its service provider) an opt-out is forwarded and its instruction carried out.
CLINIC_ACTION = "clinic_instruction"

# The statements every ADMT access response carries (§7222(b)).
NO_RETALIATION = ("We will not retaliate against you for exercising your privacy rights: you will not be "
                  "denied goods or services, charged a different price or given a different quality of service "
                  "because you asked.")
WITHHOLDING_GROUNDS: Mapping[str, str] = MappingProxyType({
    "trade_secret": "A trade secret (§7222(c))",
    "security": "Security, fraud-prevention or safety details (§7222(c))",
})
