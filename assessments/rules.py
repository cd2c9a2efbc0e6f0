"""Risk assessments under the CCPA regulations (11 CCR §7150–7157) as data, and the pure checks over it.

No Django imports: the approval check, the due dates and the submission periods are tested without a
database. Sources: shared/RULES.md §9 "Risk assessments" (confidence H for the triggers, contents, the
3-year review, the 45-day update, retention and the submission dates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from retention.categories import CATEGORIES


@dataclass(frozen=True)
class Trigger:
    """A processing activity that requires a risk assessment before it starts (§7150(b))."""

    code: str
    label: str
    citation: str
    admt: bool = False  # the assessment must then describe the ADMT (§7152(a)(3)(F))


# The trigger codes are fixed: the annual submission counts assessments per code.
_TRIGGERS = (
    Trigger("selling_sharing", "Selling or sharing personal information", "11 CCR §7150(b)(1)"),
    Trigger("sensitive_pi", "Processing sensitive personal information", "11 CCR §7150(b)(2)"),
    Trigger("admt_significant_decision", "Using ADMT for a significant decision concerning a consumer",
            "11 CCR §7150(b)(3)", admt=True),
    Trigger("inference_systematic_observation",
            "Inferring a consumer's traits by systematic observation as an applicant, student, employee or "
            "contractor", "11 CCR §7150(b)(4)"),
    Trigger("inference_sensitive_location",
            "Inferring a consumer's traits from their presence in a sensitive location", "11 CCR §7150(b)(5)"),
    Trigger("admt_training",
            "Processing personal information intended to train ADMT for a significant decision (or identity, "
            "emotion or physical-profiling technology)", "11 CCR §7150(b)(6)", admt=True),
)
TRIGGERS: Mapping[str, Trigger] = MappingProxyType({t.code: t for t in _TRIGGERS})
TRIGGER_CHOICES: tuple[tuple[str, str], ...] = tuple((t.code, t.label) for t in _TRIGGERS)

# §7155: review at least every three years; update within 45 days of a material change.
REVIEW_EVERY_YEARS = 3
MATERIAL_CHANGE_UPDATE_DAYS = 45
# §7155(b): processing begun before 2026-01-01 and continuing after it is assessed by 2027-12-31.
REGULATIONS_EFFECTIVE = dt.date(2026, 1, 1)
PRE_2026_ASSESS_BY = dt.date(2027, 12, 31)
# §7155(c): kept while the processing continues or five years after the assessment's completion, whichever is
# later. The portal keeps each revision five years after the later of the processing's end and the revision's
# completion (at least as long as either reading of "five years after").
RETENTION_MONTHS = 60
# §7157: the first submission, due 2028-04-01, covers the assessments of 2026 and 2027; then each 1 April
# covers the previous calendar year.
FIRST_SUBMISSION_YEAR = 2028
SUBMISSION_MONTH_DAY = (4, 1)
ATTESTATION_STATEMENT = (
    "I attest that the business has conducted the risk assessments required by Article 10 of the CCPA "
    "regulations for the period covered, and that the risk assessment information submitted is true and "
    "correct. I declare under penalty of perjury under the laws of the State of California that the foregoing "
    "is true and correct."
)

# §7152(a)(1): a purpose "in generic terms" is not specific enough.
GENERIC_PURPOSES = frozenset({
    "to improve our services", "to improve services", "improve our services", "security purposes",
    "for security purposes", "security", "business purposes", "to make a significant decision",
    "to make a decision", "analytics", "research", "marketing", "to provide our services",
})
MIN_PURPOSE_WORDS = 6


class DueKind:
    """Why an assessment is due (stored in `RiskAssessment.review_due_kind`)."""

    BEFORE_PROCESSING = "before_processing"
    PRE_2026 = "pre_2026"
    THREE_YEAR_REVIEW = "three_year_review"
    MATERIAL_CHANGE = "material_change"

    CHOICES = (
        (BEFORE_PROCESSING, "Approve before the processing starts (§7155(a))"),
        (PRE_2026, "Processing begun before 2026: assess by 2027-12-31 (§7155(b))"),
        (THREE_YEAR_REVIEW, "Three-year review (§7155(a)(2))"),
        (MATERIAL_CHANGE, "Update within 45 days of a material change (§7155(a)(3))"),
    )
    LABELS = MappingProxyType(dict(CHOICES))


@dataclass(frozen=True)
class Person:
    name: str = ""
    position: str = ""
    on: dt.date | None = None  # reviewers: the day they reviewed


@dataclass(frozen=True)
class AssessmentFacts:
    """Everything §7152 asks of an assessment, as plain values (read from a RiskAssessment and its approval)."""

    triggers: Sequence[str] = ()
    purpose: str = ""
    categories: Sequence[str] = ()
    minimum_necessary: str = ""
    sources: str = ""
    collection_method: str = ""
    retention_by_category: Mapping[str, str] = field(default_factory=dict)
    consumers_approx: int | None = None
    recipients: str = ""
    admt_logic: str = ""
    admt_assumptions: str = ""
    admt_limitations: str = ""
    admt_output: str = ""
    admt_output_use: str = ""
    benefits: str = ""
    negative_impacts: str = ""
    safeguards: str = ""
    will_proceed: bool | None = None
    contributors: Sequence[Person] = ()
    reviewers: Sequence[Person] = ()
    systems_count: int = 0
    approver: Person = Person()


@dataclass(frozen=True)
class Missing:
    element: str  # the field or element code
    message: str  # what is missing, in words, naming the regulation

    def __str__(self) -> str:
        return self.message


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def purpose_problem(purpose: str) -> str | None:
    """Return why `purpose` is not specific enough (§7152(a)(1)), or None."""
    text = re.sub(r"[^\w\s]", " ", (purpose or "").lower())
    words = text.split()
    if not words:
        return "The purpose of the processing is missing (§7152(a)(1))."
    if " ".join(words) in GENERIC_PURPOSES or len(words) < MIN_PURPOSE_WORDS:
        return ("The purpose must be specific, not generic such as \"to improve our services\": say what the "
                "processing does and why, in at least six words (§7152(a)(1)).")
    return None


def _people_problems(people: Sequence[Person], *, element: str, what: str, dated: bool) -> list[Missing]:
    if not people:
        return [Missing(element, f"Name at least one {what} with their position (§7152(a)(8)–(9)).")]
    problems = []
    for i, person in enumerate(people, start=1):
        if _blank(person.name) or _blank(person.position):
            problems.append(Missing(element, f"The {what} on line {i} needs both a name and a position."))
        if dated and person.on is None:
            problems.append(Missing(element, f"The {what} on line {i} needs the date of their review."))
    return problems


def missing_elements(facts: AssessmentFacts) -> list[Missing]:
    """Return every element §7152 requires that `facts` lack (empty: the assessment may be approved)."""
    missing: list[Missing] = []

    def need(element: str, value: str, message: str) -> None:
        if _blank(value):
            missing.append(Missing(element, message))

    unknown = [code for code in facts.triggers if code not in TRIGGERS]
    if not facts.triggers or unknown:
        missing.append(Missing("triggers", "Choose the processing that requires the assessment (the §7150(b) "
                                           "triggers)" + (f"; unknown: {', '.join(unknown)}." if unknown else ".")))
    problem = purpose_problem(facts.purpose)
    if problem:
        missing.append(Missing("purpose", problem))
    unknown_categories = [code for code in facts.categories if code not in CATEGORIES]
    if not facts.categories or unknown_categories:
        missing.append(Missing("categories", "List the categories of personal information processed "
                                             "(§7152(a)(2))" + (f"; unknown: {', '.join(unknown_categories)}."
                                                                if unknown_categories else ".")))
    need("minimum_necessary", facts.minimum_necessary,
         "Explain why these categories are the minimum necessary for the purpose (§7152(a)(2)).")
    need("sources", facts.sources, "Name the sources of the personal information (§7152(a)(3)(A)).")
    need("collection_method", facts.collection_method,
         "Describe how the personal information is collected, used and disclosed (§7152(a)(3)(A)).")
    without_retention = [code for code in facts.categories
                         if code in CATEGORIES and _blank(facts.retention_by_category.get(code, ""))]
    if without_retention:
        missing.append(Missing("retention_by_category", "Give the retention period (or its criteria) of each "
                                                        "category: missing for " + ", ".join(without_retention)
                               + " (§7152(a)(3)(B))."))
    if facts.consumers_approx is None or facts.consumers_approx < 1:
        missing.append(Missing("consumers_approx",
                               "Give the approximate number of consumers whose information is processed "
                               "(§7152(a)(3)(D))."))
    need("recipients", facts.recipients, "Name the service providers, contractors and third parties the "
                                         "information is disclosed to, and why, or say none (§7152(a)(3)(E)).")
    if any(TRIGGERS[code].admt for code in facts.triggers if code in TRIGGERS):
        for element, words in (("admt_logic", "its logic"), ("admt_assumptions", "its assumptions"),
                               ("admt_limitations", "its limitations"), ("admt_output", "its output"),
                               ("admt_output_use", "how the output is used")):
            need(element, getattr(facts, element), f"For ADMT, describe {words} (§7152(a)(3)(F)).")
    need("benefits", facts.benefits, "Describe the benefits of the processing (§7152(a)(4)).")
    need("negative_impacts", facts.negative_impacts,
         "Describe the negative impacts on consumers' privacy (§7152(a)(5)).")
    need("safeguards", facts.safeguards, "Describe the safeguards against those negative impacts (§7152(a)(6)).")
    if facts.will_proceed is None:
        missing.append(Missing("will_proceed", "Record whether the business will initiate the processing "
                                               "(§7152(a)(7))."))
    if facts.systems_count < 1:
        missing.append(Missing("systems", "Link the systems of the data map that carry out the processing."))
    missing += _people_problems(facts.contributors, element="contributors", what="contributor", dated=False)
    missing += _people_problems(facts.reviewers, element="reviewers", what="reviewer", dated=True)
    if _blank(facts.approver.name) or _blank(facts.approver.position) or facts.approver.on is None:
        missing.append(Missing("approver", "The approver's name, position and the date of approval are "
                                           "required (§7152(a)(9))."))
    return missing


def refusal_message(missing: Iterable[Missing]) -> str:
    """Return the one message an officer reads when approval is refused: every missing element."""
    return "The assessment cannot be approved; missing: " + " ".join(str(m) for m in missing)


def add_years(day: dt.date, years: int) -> dt.date:
    """Return `day` `years` later (29 February becomes 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Due:
    on: dt.date
    kind: str


def review_due(*, approved_on: dt.date | None, material_changes: Iterable[dt.date] = (),
               processing_started_on: dt.date | None, processing_ended_on: dt.date | None) -> Due | None:
    """Return when the current revision of an assessment is next due, and why (None: nothing is due).

    Approved: three years after approval, or 45 days after the first material change recorded since,
    whichever comes first. Not approved yet: 2027-12-31 for processing begun before 2026, else the day the
    processing starts (an assessment comes before the processing). Ended processing needs no review.
    """
    if processing_ended_on is not None:
        return None
    if approved_on is not None:
        candidates = [Due(add_years(approved_on, REVIEW_EVERY_YEARS), DueKind.THREE_YEAR_REVIEW)]
        changes = [day for day in material_changes if day >= approved_on]
        if changes:
            candidates.append(Due(min(changes) + dt.timedelta(days=MATERIAL_CHANGE_UPDATE_DAYS),
                                  DueKind.MATERIAL_CHANGE))
        return min(candidates, key=lambda due: due.on)
    if processing_started_on is None:
        return None
    if processing_started_on < REGULATIONS_EFFECTIVE:
        return Due(PRE_2026_ASSESS_BY, DueKind.PRE_2026)
    return Due(processing_started_on, DueKind.BEFORE_PROCESSING)


@dataclass(frozen=True)
class SubmissionPeriod:
    due_on: dt.date
    starts_on: dt.date
    ends_on: dt.date  # inclusive


def submission_period(year: int) -> SubmissionPeriod:
    """Return the period the submission due on 1 April of `year` covers (§7157)."""
    if year < FIRST_SUBMISSION_YEAR:
        raise ValueError(f"The first submission to the CPPA is due on {FIRST_SUBMISSION_YEAR}-04-01; "
                         f"there is none for {year}.")
    month, day = SUBMISSION_MONTH_DAY
    starts = dt.date(REGULATIONS_EFFECTIVE.year if year == FIRST_SUBMISSION_YEAR else year - 1, 1, 1)
    return SubmissionPeriod(due_on=dt.date(year, month, day), starts_on=starts, ends_on=dt.date(year - 1, 12, 31))


def next_submission_year(today: dt.date) -> int:
    """Return the year of the next submission due on or after `today`."""
    month, day = SUBMISSION_MONTH_DAY
    year = today.year if today <= dt.date(today.year, month, day) else today.year + 1
    return max(year, FIRST_SUBMISSION_YEAR)
