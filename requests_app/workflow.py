"""The case status lifecycle as a pure transition table (no Django imports).

One service (`requests_app.services.cases.case_change_status`) changes a case's status, and only
after `check_transition` allows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from regimes.rules import gettext_noop


class Status(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    AWAITING_REQUESTER = "awaiting_requester"
    COMPLETED = "completed"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"
    REDIRECTED = "redirected"
    CLOSED_UNVERIFIED = "closed_unverified"
    # A patient's request forwarded to the clinic that controls the data: open, on its clock, until the clinic
    # answers (we are its processor / business associate: forward and track).
    FORWARDED = "forwarded_awaiting_controller"


STATUS_LABELS: Mapping[Status, str] = MappingProxyType({
    Status.AWAITING_VERIFICATION: gettext_noop("Awaiting verification"),
    Status.VERIFIED: gettext_noop("Verified"),
    Status.IN_PROGRESS: gettext_noop("In progress"),
    Status.AWAITING_REQUESTER: gettext_noop("Awaiting requester"),
    Status.COMPLETED: gettext_noop("Completed"),
    Status.DENIED: gettext_noop("Denied"),
    Status.WITHDRAWN: gettext_noop("Withdrawn"),
    Status.REDIRECTED: gettext_noop("Redirected to controller"),
    Status.CLOSED_UNVERIFIED: gettext_noop("Closed unverified"),
    Status.FORWARDED: gettext_noop("Forwarded, awaiting controller"),
})

TERMINAL: frozenset[Status] = frozenset({
    Status.COMPLETED, Status.DENIED, Status.WITHDRAWN, Status.REDIRECTED, Status.CLOSED_UNVERIFIED,
})
OPEN: frozenset[Status] = frozenset(Status) - TERMINAL
# The one definition of "open" for queries (status values, in lifecycle order): every open-case filter uses it.
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in Status if s in OPEN)

# Every case may still be withdrawn by the requester, denied (e.g. documented fraud) or, for data a
# clinic controls, forwarded to that controller (tracked until it answers) while it is open.
_ALWAYS_FROM_OPEN = {Status.WITHDRAWN, Status.DENIED, Status.REDIRECTED, Status.FORWARDED}

TRANSITIONS: Mapping[Status, frozenset[Status]] = MappingProxyType({
    Status.AWAITING_VERIFICATION: frozenset({
        Status.VERIFIED, Status.AWAITING_REQUESTER, Status.CLOSED_UNVERIFIED, *_ALWAYS_FROM_OPEN,
    }),
    Status.VERIFIED: frozenset({
        Status.IN_PROGRESS, Status.AWAITING_REQUESTER, Status.COMPLETED, *_ALWAYS_FROM_OPEN,
    }),
    Status.IN_PROGRESS: frozenset({Status.AWAITING_REQUESTER, Status.COMPLETED, *_ALWAYS_FROM_OPEN}),
    # The requester answered (or stayed silent): resume, or close for lack of identity.
    Status.AWAITING_REQUESTER: frozenset({
        Status.AWAITING_VERIFICATION, Status.VERIFIED, Status.IN_PROGRESS, Status.CLOSED_UNVERIFIED,
        *_ALWAYS_FROM_OPEN,
    }),
    # The clinic answered (we record its decision), or the requester withdrew.
    Status.FORWARDED: frozenset({Status.COMPLETED, Status.DENIED, Status.WITHDRAWN}),
    **{status: frozenset() for status in TERMINAL},
})


# The statuses in which the requester may be sent their own data (the access package): identity settled and
# the case being worked. Not while it awaits verification or the requester, and never once it is closed.
DISCLOSURE_STATUSES: frozenset[Status] = frozenset({Status.VERIFIED, Status.IN_PROGRESS})


def disclosure_refusal(status: Status | str, *, officer_must_verify: bool) -> str:
    """Return why the requester may not be sent their data now ("" when they may)."""
    status = Status(status)
    if status == Status.AWAITING_REQUESTER:
        return "The case is waiting for the requester: send their data once they have answered."
    if status == Status.AWAITING_VERIFICATION:
        return "The requester's identity is not verified yet: send their data once it is."
    if status not in DISCLOSURE_STATUSES:
        return f"The case is {STATUS_LABELS[status].lower()}: no data can be sent from it."
    if officer_must_verify:
        return "The rules ask an officer to verify the requester's identity before their data is sent."
    return ""


class IllegalTransition(ValueError):
    """A status change the lifecycle does not allow."""

    def __init__(self, current: Status | str, target: Status | str) -> None:
        self.current, self.target = Status(current), Status(target)
        allowed = ", ".join(STATUS_LABELS[s] for s in allowed_next(self.current)) or "none (the case is closed)"
        super().__init__(
            f"A case cannot go from {STATUS_LABELS[self.current]!r} to {STATUS_LABELS[self.target]!r}; "
            f"allowed next: {allowed}"
        )


def allowed_next(current: Status | str) -> tuple[Status, ...]:
    """Return the statuses reachable from `current`, in declaration order."""
    reachable = TRANSITIONS[Status(current)]
    return tuple(s for s in Status if s in reachable)


def check_transition(current: Status | str, target: Status | str) -> None:
    """Raise IllegalTransition unless the lifecycle allows current → target."""
    if Status(target) not in TRANSITIONS[Status(current)]:
        raise IllegalTransition(current, target)


def is_open(status: Status | str) -> bool:
    return Status(status) in OPEN
