"""The ledger, the current-state table, defaults and the services others call."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from consents import selectors, services
from consents.models import ConsentEvent, ConsentState, Kind, NoticeVersion, Purpose, Source
from outbox.models import Message
from tests.factories import DataSubjectFactory, UserFactory

from .conftest import NOW

pytestmark = pytest.mark.django_db


def test_it_seeds_the_policy_purposes_with_a_first_notice():
    codes = set(Purpose.objects.values_list("code", flat=True))
    assert codes == {"marketing_email", "targeted_advertising", "sale_sharing", "analytics_cookies",
                     "precise_geolocation", "research_deidentified", "ai_training_deidentified",
                     "sensitive_pi_beyond_service"}
    for purpose in Purpose.objects.all():
        assert purpose.notice_versions.get().version == 1
        assert purpose.regime_defaults["default"] in ("opt_in", "opt_out")


@pytest.mark.parametrize(("country", "subdivision", "purpose", "expected"), [
    ("DE", "", "marketing_email", False),           # EU electronic marketing is opt-in
    ("GB", "", "marketing_email", False),
    ("CH", "", "marketing_email", False),
    ("US", "CA", "marketing_email", True),          # US marketing is opt-out
    ("US", "NY", "marketing_email", True),
    ("BR", "", "marketing_email", True),            # voluntary regime
    ("US", "CA", "sale_sharing", True),             # CCPA: opt-out of sale/sharing
    ("FR", "", "sale_sharing", False),
    ("US", "CA", "precise_geolocation", False),     # policy §2: explicit consent everywhere
    ("US", "CA", "sensitive_pi_beyond_service", True),   # CCPA: right to limit (opt-out)
    ("US", "VA", "sensitive_pi_beyond_service", False),  # VA: consent for sensitive data
    ("BR", "", "sensitive_pi_beyond_service", False),
])
def test_it_applies_the_regime_default_when_nothing_is_recorded(country, subdivision, purpose, expected):
    subject = DataSubjectFactory(country=country, subdivision=subdivision)
    decision = selectors.consent_decision(subject, purpose)
    assert decision.basis == "default"
    assert selectors.is_permitted(subject, purpose) is expected


def test_it_treats_a_known_minor_as_opt_in():
    californian = DataSubjectFactory(country="US", subdivision="CA")
    assert selectors.is_permitted(californian, "sale_sharing", age=16) is True
    assert selectors.is_permitted(californian, "sale_sharing", age=15) is False  # §1798.120(c)
    assert selectors.is_permitted(californian, "marketing_email", age=13) is True
    assert selectors.is_permitted(californian, "marketing_email", age=12) is False  # COPPA
    purpose = Purpose.objects.get(code="sale_sharing")
    assert selectors.minor_opt_in_age(purpose, country="US", subdivision="CA") == 16
    assert selectors.minor_opt_in_age(purpose, country="FR") == 15
    assert selectors.minor_opt_in_age(Purpose.objects.get(code="analytics_cookies"), country="FR") is None


def test_a_recorded_choice_beats_the_default_and_points_to_the_notice(frozen):
    subject = DataSubjectFactory(country="DE", subdivision="")
    event = services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN,
                                    source=Source.PREFERENCE_CENTER,
                                    evidence=services.Evidence(user_agent="UA", ip_prefix="203.0.113.0/24"))
    assert selectors.is_permitted(subject, "marketing_email") is True
    assert event.notice_version == NoticeVersion.objects.get(purpose__code="marketing_email", version=1)
    state = ConsentState.objects.get(subject=subject, purpose__code="marketing_email")
    assert (state.state, state.last_event_id, state.changed_at) == ("given", event.pk, NOW)
    history = state.history.first()
    assert history.history_change_reason == "given via preference_center"


def test_is_permitted_at_a_past_instant_reads_the_ledger():
    subject = DataSubjectFactory(country="DE", subdivision="")
    with time_machine.travel(NOW, tick=False):
        services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN, source=Source.API)
    with time_machine.travel(NOW + dt.timedelta(days=10), tick=False):
        services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.WITHDRAWN, source=Source.API)
    assert selectors.is_permitted(subject, "marketing_email", at=NOW - dt.timedelta(seconds=1)) is False
    assert selectors.is_permitted(subject, "marketing_email", at=NOW + dt.timedelta(days=5)) is True
    assert selectors.is_permitted(subject, "marketing_email", at=NOW + dt.timedelta(days=10)) is False
    assert selectors.is_permitted(subject, "marketing_email") is False


def test_unknown_purpose_and_bad_arguments_are_refused():
    subject = DataSubjectFactory()
    with pytest.raises(selectors.UnknownPurposeError):
        selectors.is_permitted(subject, "telepathy")
    with pytest.raises(ValueError, match="Unknown consent event kind"):
        services.consent_record(subject=subject, purpose="marketing_email", kind="maybe", source=Source.API)
    with pytest.raises(ValueError, match="exactly one subject or one browser"):
        services.consent_record(subject=subject, browser_id="b" * 20, purpose="marketing_email",
                                kind=Kind.GIVEN, source=Source.API)
    assert not ConsentEvent.objects.exists()


def test_the_ledger_is_append_only():
    subject = DataSubjectFactory()
    event = services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN, source=Source.API)
    event.kind = Kind.WITHDRAWN
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    event.refresh_from_db()
    assert event.kind == Kind.GIVEN


def test_a_new_notice_version_is_pointed_to_by_later_consents(frozen):
    purpose = Purpose.objects.get(code="analytics_cookies")
    officer = UserFactory()
    v2 = services.notice_version_publish(purpose=purpose, text="New analytics text", actor=officer)
    assert v2.version == 2
    assert v2.history.first().history_user == officer
    event = services.consent_record(subject=DataSubjectFactory(), purpose=purpose, kind=Kind.GIVEN,
                                    source=Source.PREFERENCE_CENTER)
    assert event.notice_version == v2


# --- Ledger and state table always agree ---------------------------------------------------------------

EVENT = st.tuples(
    st.sampled_from(["marketing_email", "sale_sharing", "analytics_cookies"]),
    st.sampled_from(list(Kind.values)),
    st.sampled_from(["set", "stop", "record"]),
    st.integers(min_value=1, max_value=3600),
)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(EVENT, min_size=1, max_size=15), country=st.sampled_from(["DE", "US"]))
def test_state_table_and_ledger_agree_over_random_sequences(steps, country):
    subject = DataSubjectFactory(country=country, subdivision="CA" if country == "US" else "")
    now = NOW
    expected: dict[str, list[tuple[dt.datetime, str]]] = {}
    for code, kind, how, seconds in steps:
        now += dt.timedelta(seconds=seconds)
        with time_machine.travel(now, tick=False):
            if how == "record":
                event = services.consent_record(subject=subject, purpose=code, kind=kind, source=Source.IMPORT)
            elif how == "stop":
                event = services.consent_stop(subject=subject, purpose=code, source=Source.OFFICER)
            else:
                event = services.consent_set_choice(subject=subject, purpose=code, allow=kind == Kind.GIVEN,
                                                    source=Source.PREFERENCE_CENTER)
        if event is not None:
            expected.setdefault(code, []).append((now, event.kind))
    assert selectors.state_table_disagreements() == []
    for code, timeline in expected.items():
        purpose = Purpose.objects.get(code=code)
        latest = selectors.state_from_ledger(subject=subject, purpose=purpose)
        state = ConsentState.objects.get(subject=subject, purpose=purpose)
        assert (state.state, state.last_event_id) == (latest.kind, latest.pk) == (timeline[-1][1], latest.pk)
        assert selectors.is_permitted(subject, code) is (timeline[-1][1] == Kind.GIVEN)
        for at, kind in timeline:  # the past, from the ledger, matches what the state was then
            assert selectors.is_permitted(subject, code, at=at) is (kind == Kind.GIVEN)
        # the history of the state row has one entry per event, the last equal to the state
        assert state.history.count() == len(timeline)


def test_disagreement_is_detected():
    subject = DataSubjectFactory()
    services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN, source=Source.API)
    ConsentState.objects.filter(subject=subject).update(state=Kind.WITHDRAWN)  # simulate a corrupted row
    assert len(selectors.state_table_disagreements()) == 1


# --- Requests act on consents --------------------------------------------------------------------------

def test_withdraw_consent_withdraws_every_consent_given(frozen):
    subject = DataSubjectFactory(country="DE", subdivision="")
    for code in ("marketing_email", "analytics_cookies"):
        services.consent_record(subject=subject, purpose=code, kind=Kind.GIVEN, source=Source.PREFERENCE_CENTER)
    services.consent_record(subject=subject, purpose="research_deidentified", kind=Kind.REFUSED,
                            source=Source.PREFERENCE_CENTER)
    officer = UserFactory()
    events = services.consents_apply_request(subject=subject, right="withdraw_consent",
                                             dsr_reference="DSR-2026-000007", actor=officer)
    assert sorted((e.purpose.code, e.kind) for e in events) == [("analytics_cookies", "withdrawn"),
                                                               ("marketing_email", "withdrawn")]
    assert all(e.source == "public_request" and e.actor == officer for e in events)
    assert not selectors.is_permitted(subject, "marketing_email")
    assert list(selectors.consent_events_for_reference("DSR-2026-000007")) == events
    state = ConsentState.objects.get(subject=subject, purpose__code="marketing_email")
    assert state.history.first().history_change_reason == "withdrawn via public_request (DSR-2026-000007)"
    assert state.history.first().history_user == officer


@pytest.mark.parametrize(("right", "expected"), [
    ("direct_marketing_objection", [("marketing_email", "opted_out")]),
    ("opt_out_sale_sharing", [("sale_sharing", "opted_out"), ("targeted_advertising", "opted_out")]),
    ("limit_sensitive", [("precise_geolocation", "opted_out"), ("sensitive_pi_beyond_service", "opted_out")]),
])
def test_rights_stop_their_purposes(right, expected):
    subject = DataSubjectFactory(country="US", subdivision="CA")
    events = services.consents_apply_request(subject=subject, right=right, dsr_reference="DSR-2026-000001")
    assert sorted((e.purpose.code, e.kind) for e in events) == expected
    for code, _ in expected:
        assert selectors.is_permitted(subject, code) is False


def test_an_objection_withdraws_a_given_marketing_consent():
    subject = DataSubjectFactory(country="US", subdivision="CA")
    services.consent_record(subject=subject, purpose="marketing_email", kind=Kind.GIVEN, source=Source.API)
    [event] = services.consents_apply_request(subject=subject, right="direct_marketing_objection",
                                              dsr_reference="DSR-2026-000002")
    assert event.kind == Kind.WITHDRAWN and event.dsr_reference == "DSR-2026-000002"


def test_a_right_that_is_not_about_consent_is_refused():
    with pytest.raises(ValueError, match="does not act on consents"):
        services.consents_apply_request(subject=DataSubjectFactory(), right="access", dsr_reference="DSR-1")


# --- Erasure and IP truncation -------------------------------------------------------------------------

def test_erasure_removes_ledger_state_history_and_messages():
    subject, other = DataSubjectFactory(), DataSubjectFactory()
    for s in (subject, other):
        services.consent_record(subject=s, purpose="marketing_email", kind=Kind.GIVEN, source=Source.API)
    services.preference_link_send(email=subject.email)
    counts = services.consent_erase_subject(subject=subject)
    # two history rows: the change, and the deletion record the erasure itself wrote before removing it
    assert counts == {"states": 1, "state_history": 2, "events": 1, "messages": 1}
    assert not ConsentEvent.objects.filter(subject=subject).exists()
    assert not ConsentState.history.filter(subject_id=subject.pk).exists()
    assert not Message.objects.filter(data_subject=subject, stream=Message.Stream.CONSENT).exists()
    assert ConsentEvent.objects.filter(subject=other).count() == 1


@pytest.mark.parametrize(("raw", "expected"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("2001:db8:abcd:12::1", "2001:db8:abcd::/48"),
    ("::ffff:198.51.100.9", "198.51.100.0/24"),
    ("not-an-ip", ""),
    (None, ""),
])
def test_ip_addresses_are_truncated(raw, expected):
    assert services.truncate_ip(raw) == expected
