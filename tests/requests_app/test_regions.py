"""Regions and receipt dates: EU territories, Swiss restriction, the requester's own zone, patients' accounting,
Shine the Light's once a year."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from outbox.models import Message
from regimes.deadlines import jurisdiction_for, receipt_date, regime_for, residence_time_zone, rights_offered
from requests_app.services.intake import IntakeRejected, submission_create, verification_consume
from requests_app.workflow import Status
from tests.factories import make_case

UTC = dt.UTC


@pytest.mark.parametrize("territory", ["GF", "GP", "MQ", "RE", "YT", "MF", "AX"])
def test_eu_outermost_regions_and_aland_fall_under_the_gdpr(territory):
    assert jurisdiction_for(territory) == ("gdpr",)
    assert regime_for(country=territory, subdivision=None, right="erasure") == "gdpr"
    assert "restriction" in rights_offered(territory)


def test_swiss_residents_are_offered_restriction():
    assert "restriction" in rights_offered("CH")
    assert regime_for(country="CH", subdivision=None, right="restriction") == "ch_fadp"


# A request sent at 23:30 local time is dated that day, not the next (RULES.md §2 "Receipt").
@pytest.mark.parametrize(("regime", "country", "subdivision", "instant", "expected"), [
    # 23:30 PDT in Portland on 1 July is 06:30 UTC on 2 July.
    ("or", "US", "OR", dt.datetime(2026, 7, 2, 6, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
    # 23:30 MDT in Denver.
    ("co", "US", "CO", dt.datetime(2026, 7, 2, 5, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
    # 23:30 MDT in El Paso (Texas is on two zones: the earliest plausible date is Mountain time's).
    ("tx", "US", "TX", dt.datetime(2026, 7, 2, 5, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
    # 23:30 CEST in Paris.
    ("gdpr", "FR", None, dt.datetime(2026, 7, 1, 21, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
    # 23:30 in Guadeloupe (UTC-4) is 03:30 UTC the next day, already 2 July in Brussels.
    ("gdpr", "GP", None, dt.datetime(2026, 7, 2, 3, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
    # 23:30 in Virginia stays New York time.
    ("va", "US", "VA", dt.datetime(2026, 7, 2, 3, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
])
def test_receipt_date_is_taken_in_the_requesters_own_zone(regime, country, subdivision, instant, expected):
    assert receipt_date(instant, regime, country=country, subdivision=subdivision) == expected


@pytest.mark.parametrize(("regime", "instant", "expected"), [
    # Without a state: Oregon's earliest plausible zone is Pacific, Colorado's Mountain, Texas's Mountain.
    ("or", dt.datetime(2026, 7, 2, 6, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
    ("co", dt.datetime(2026, 7, 2, 5, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
    ("tx", dt.datetime(2026, 7, 2, 5, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
    # The GDPR without a country: the Caribbean outermost regions (UTC-4), not Brussels.
    ("gdpr", dt.datetime(2026, 7, 2, 3, 30, tzinfo=UTC), dt.date(2026, 7, 1)),
])
def test_receipt_date_without_a_residence_is_the_earliest_plausible(regime, instant, expected):
    assert receipt_date(instant, regime) == expected


def test_a_country_outside_the_table_gets_its_westernmost_zone_from_tzdata():
    assert residence_time_zone("JP") == "Asia/Tokyo"
    assert residence_time_zone("AU") == "Australia/Perth"
    assert residence_time_zone("US") is None and residence_time_zone(None) is None


@pytest.mark.django_db
def test_a_case_takes_its_receipt_date_and_clock_from_the_requesters_state():
    # 23:30 PDT on 1 July in Oregon is 06:30 UTC on 2 July: the 45 days run from 1 July.
    dsr = make_case(regime="or", received_at=dt.datetime(2026, 7, 2, 6, 30, tzinfo=UTC),
                    subject__country="US", subject__subdivision="OR")
    assert dsr.receipt_date == dt.date(2026, 7, 1)
    assert dsr.respond_by == dt.date(2026, 8, 15)


# --- Patients: an accounting of disclosures on the public form ----------------------------------------

NOW = dt.datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


def _file(**overrides):
    kwargs = {"rights": ["accounting"], "full_name": "Pat Patient", "email": "pat@example.com",
              "relationship": "patient", "country": "US", "subdivision": "TX", "clinic_name": "Northside Imaging",
              "declaration_accepted": True}
    kwargs.update(overrides)
    return submission_create(**kwargs)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_patient_can_ask_for_an_accounting_of_disclosures():
    result = _file()
    assert [(dsr.right, dsr.regime) for dsr in result.cases] == [("accounting", "hipaa")]
    assert result.cases[0].respond_by == dt.date(2026, 5, 4)  # 60 days (45 CFR §164.528(c)(1))


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_only_patients_can_ask_for_an_accounting():
    with pytest.raises(IntakeRejected) as err:
        _file(relationship="website_visitor", clinic_name="")
    assert "Only patients" in err.value.problems["rights"]


@pytest.mark.django_db
def test_the_public_form_lists_the_accounting_right(client):
    page = client.get("/requests/", {"country": "US", "subdivision": "TX"}).content.decode()
    assert 'value="accounting"' in page


# --- Shine the Light: once per calendar year ----------------------------------------------------------


def _stl(email: str = "cal@example.com"):
    return submission_create(rights=["disclosure"], full_name="Cal Customer", email=email,
                             relationship="registered_user", country="US", subdivision="CA",
                             declaration_accepted=True)


@pytest.mark.django_db
def test_shine_the_light_is_answered_once_per_calendar_year():
    with time_machine.travel(NOW, tick=False):
        first = _stl()
        token = Message.objects.get(template_key="intake_verification").body_text
        raw = token.split("/requests/verify/")[1].split("/")[0]
        verification_consume(token=raw)
    with time_machine.travel(dt.datetime(2026, 9, 1, 17, 0, tzinfo=UTC), tick=False):
        again = _stl().cases[0]
    again.refresh_from_db()
    assert again.status == Status.DENIED and again.denial_ground == "already_answered_this_year"
    denial = Message.objects.get(template_key="denial")
    assert "1 January 2027" in denial.body_text and first.cases[0].reference not in denial.body_text
    with time_machine.travel(dt.datetime(2027, 1, 4, 17, 0, tzinfo=UTC), tick=False):
        next_year = _stl().cases[0]
    next_year.refresh_from_db()
    assert next_year.status == Status.AWAITING_VERIFICATION


@pytest.mark.django_db
def test_an_unconfirmed_filing_does_not_use_up_someone_elses_yearly_request():
    with time_machine.travel(NOW, tick=False):
        _stl()  # never confirmed (perhaps not filed by the address's owner)
    with time_machine.travel(dt.datetime(2026, 9, 1, 17, 0, tzinfo=UTC), tick=False):
        second = _stl().cases[0]
    second.refresh_from_db()
    assert second.status == Status.AWAITING_VERIFICATION


@pytest.mark.django_db
def test_a_second_shine_the_light_request_by_mail_is_answered_as_already_answered(settings):
    from medprivacy import roles
    from requests_app.services import workbench
    from requests_app.services.cases import case_change_status
    from tests.factories import officer

    roles.ensure_roles()
    clerk = officer("clerk")
    with time_machine.travel(NOW, tick=False):
        first = workbench.case_enter_manual(actor=clerk, channel="mail", email="cal@example.com",
                                            rights=["disclosure"], received_at=NOW, country="US",
                                            subdivision="CA")[0]
        case_change_status(dsr=first, to=Status.VERIFIED, actor=clerk, reason="Signature matched")
        case_change_status(dsr=first, to=Status.COMPLETED, actor=clerk, reason="Answered by letter")
    later = dt.datetime(2026, 10, 1, 15, 0, tzinfo=UTC)
    with time_machine.travel(later, tick=False):
        second = workbench.case_enter_manual(actor=clerk, channel="mail", email="cal@example.com",
                                             rights=["disclosure"], received_at=later, country="US",
                                             subdivision="CA")[0]
    second.refresh_from_db()
    assert second.status == Status.DENIED and second.denial_ground == "already_answered_this_year"
