"""The status lifecycle: a pure table, tested without a database."""

import pytest

from requests_app.workflow import (
    DISCLOSURE_STATUSES,
    OPEN,
    TERMINAL,
    TRANSITIONS,
    IllegalTransition,
    Status,
    allowed_next,
    check_transition,
    disclosure_refusal,
)


@pytest.mark.parametrize(("current", "target"), [
    (Status.AWAITING_VERIFICATION, Status.VERIFIED),
    (Status.AWAITING_VERIFICATION, Status.CLOSED_UNVERIFIED),
    (Status.AWAITING_VERIFICATION, Status.AWAITING_REQUESTER),  # asking for more identity information
    (Status.VERIFIED, Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Status.AWAITING_REQUESTER),
    (Status.AWAITING_REQUESTER, Status.IN_PROGRESS),
    (Status.IN_PROGRESS, Status.COMPLETED),
    (Status.IN_PROGRESS, Status.DENIED),
    (Status.VERIFIED, Status.REDIRECTED),
    (Status.AWAITING_VERIFICATION, Status.WITHDRAWN),
])
def test_allowed_transitions_pass(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [
    (Status.AWAITING_VERIFICATION, Status.COMPLETED),  # nothing is answered before identity is settled
    (Status.AWAITING_VERIFICATION, Status.IN_PROGRESS),
    (Status.COMPLETED, Status.IN_PROGRESS),  # closed cases stay closed
    (Status.WITHDRAWN, Status.VERIFIED),
    (Status.DENIED, Status.COMPLETED),
    (Status.IN_PROGRESS, Status.CLOSED_UNVERIFIED),
    (Status.IN_PROGRESS, Status.AWAITING_VERIFICATION),
])
def test_illegal_transitions_raise_with_the_allowed_ones_named(current, target):
    with pytest.raises(IllegalTransition) as err:
        check_transition(current, target)
    assert "cannot go from" in str(err.value)


def test_terminal_statuses_allow_nothing_and_every_status_is_in_the_table():
    assert set(TRANSITIONS) == set(Status)
    assert OPEN | TERMINAL == set(Status) and not OPEN & TERMINAL
    for status in TERMINAL:
        assert allowed_next(status) == ()
    assert "none (the case is closed)" in str(IllegalTransition(Status.COMPLETED, Status.VERIFIED))


def test_every_open_case_can_still_be_withdrawn():
    for status in OPEN:
        check_transition(status, Status.WITHDRAWN)


def test_the_requester_is_sent_their_data_only_while_verified_or_in_progress():
    assert DISCLOSURE_STATUSES == {Status.VERIFIED, Status.IN_PROGRESS}
    assert disclosure_refusal(Status.VERIFIED, officer_must_verify=False) == ""
    assert disclosure_refusal("in_progress", officer_must_verify=False) == ""
    assert disclosure_refusal(Status.AWAITING_REQUESTER, officer_must_verify=False) == (
        "The case is waiting for the requester: send their data once they have answered.")
    assert disclosure_refusal(Status.AWAITING_VERIFICATION, officer_must_verify=False) == (
        "The requester's identity is not verified yet: send their data once it is.")
    assert disclosure_refusal(Status.VERIFIED, officer_must_verify=True) == (
        "The rules ask an officer to verify the requester's identity before their data is sent.")
    assert disclosure_refusal(Status.COMPLETED, officer_must_verify=False) == (
        "The case is completed: no data can be sent from it.")
    for status in Status:
        allowed = disclosure_refusal(status, officer_must_verify=False) == ""
        assert allowed == (status in DISCLOSURE_STATUSES)
