"""Children: a known age changes consent decisions; the policy §10 deletion of a child's data."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from consents import selectors as consent_selectors
from consents.models import Purpose, Source
from consents.services import consent_set_choice, purposes_seed
from fulfilment.models import FulfilmentTask
from minors.models import AgeSource, AgeStatement
from minors.services import AgeError, age_statement_record, parental_authorization_record
from requests_app.models import Case
from requests_app.services.intake import IntakeRejected, submission_create
from requests_app.workflow import Status
from tests.factories import DataSubjectFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        purposes_seed()
        yield


def born(years_ago: int, days: int = 0) -> dt.date:
    return dt.date(TODAY.year - years_ago, TODAY.month, TODAY.day) - dt.timedelta(days=days)


def californian(age_years: int | None, **kwargs):
    subject = DataSubjectFactory(country="US", subdivision="CA", **kwargs)
    if age_years is not None:
        age_statement_record(subject=subject, birth_date=born(age_years, days=10), source=AgeSource.CONSENT)
    return subject


def test_a_known_12_year_olds_own_opt_in_to_sale_is_not_honoured():
    child = californian(12)
    consent_set_choice(subject=child, purpose="sale_sharing", allow=True, source=Source.PREFERENCE_CENTER)

    decision = consent_selectors.consent_decision(child, "sale_sharing")
    assert decision.state == "given" and decision.permitted is False
    assert decision.basis == "parent_authorization_missing"
    sale = Purpose.objects.get(code="sale_sharing")
    known, by_email = consent_selectors.consent_decision_for_email(child.email, sale)
    assert known and by_email.permitted is False

    parental_authorization_record(subject=child, purpose=Purpose.objects.get(code="sale_sharing"),
                                  guardian_name="Pat Parent", method="Signed consent form and ID checked")
    assert consent_selectors.is_permitted(child, "sale_sharing") is True


def test_a_14_year_olds_own_opt_in_counts_but_nothing_is_sold_without_it():
    teen = californian(14)
    # Nothing recorded: a known 13-15-year-old is opted out until they opt in (CCPA §1798.120(c)).
    assert consent_selectors.is_permitted(teen, "sale_sharing") is False
    consent_set_choice(subject=teen, purpose="sale_sharing", allow=True, source=Source.PREFERENCE_CENTER)
    assert consent_selectors.is_permitted(teen, "sale_sharing") is True


def test_an_adult_and_an_unknown_age_keep_the_regime_default():
    assert consent_selectors.is_permitted(californian(30), "sale_sharing") is True
    assert consent_selectors.is_permitted(californian(None), "sale_sharing") is True


def test_an_age_stated_earlier_grows_with_time():
    subject = DataSubjectFactory(country="US", subdivision="CA")
    age_statement_record(subject=subject, age=12, source=AgeSource.OFFICER)
    consent_set_choice(subject=subject, purpose="sale_sharing", allow=True, source=Source.PREFERENCE_CENTER)
    assert consent_selectors.is_permitted(subject, "sale_sharing") is False
    with time_machine.travel(NOW + dt.timedelta(days=2 * 366 + 1), tick=False):
        assert consent_selectors.is_permitted(subject, "sale_sharing") is True  # now at least 14


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "Give a date of birth or an age"),
    ({"birth_date": TODAY + dt.timedelta(days=1)}, "not in the future"),
    ({"age": 200}, "from 0 to 130"),
])
def test_impossible_ages_are_refused(kwargs, message):
    with pytest.raises(AgeError, match=message):
        age_statement_record(subject=DataSubjectFactory(), source=AgeSource.OFFICER, **kwargs)


def test_a_parents_authorization_needs_how_it_was_verified():
    with pytest.raises(AgeError, match="7070"):
        parental_authorization_record(subject=californian(12), purpose=Purpose.objects.get(code="sale_sharing"),
                                      guardian_name="Pat Parent", method=" ")


# --- the policy §10 deletion ----------------------------------------------------------------------------


def _file(birth_date: dt.date, **overrides):
    kwargs = {"rights": ["access"], "full_name": "Kim Kid", "email": "kim@example.com",
              "relationship": "website_visitor", "country": "US", "subdivision": "CA",
              "declaration_accepted": True, "birth_date": birth_date}
    kwargs.update(overrides)
    return submission_create(**kwargs)


def test_a_childs_birth_date_on_a_request_opens_the_deletion_the_policy_promises():
    result = _file(born(11))

    assert AgeStatement.objects.get(subject=result.submission.subject).source == "request"
    deletion = Case.objects.get(subject=result.submission.subject, right="erasure")
    assert deletion in result.cases and deletion.status == Status.VERIFIED
    assert "policy §10" in deletion.history.first().history_change_reason
    assert FulfilmentTask.objects.filter(case=deletion, action="delete").exists()
    # The child's own request is still answered as asked.
    assert Case.objects.get(subject=result.submission.subject, right="access").is_open


@pytest.mark.parametrize(("country", "age", "opened"), [
    ("US", 13, False),  # 13 and over: not a child under the policy
    ("DE", 15, True),  # the GDPR's higher consent age applies (Art. 8: 16 in Germany)
    ("BE", 14, False),  # Belgium: 13
])
def test_the_policy_age_follows_the_residence(country, age, opened):
    result = _file(born(age, days=10), country=country, subdivision="CA" if country == "US" else "")
    deletions = Case.objects.filter(subject=result.submission.subject, right="erasure")
    assert deletions.exists() is opened


def test_a_patients_age_opens_no_deletion():
    result = _file(born(10), relationship="patient", clinic_name="Northside Imaging")
    assert not Case.objects.filter(subject=result.submission.subject, right="erasure").exists()


def test_a_future_birth_date_is_refused_on_the_form_service():
    with pytest.raises(IntakeRejected) as err:
        _file(TODAY + dt.timedelta(days=3))
    assert "future" in err.value.problems["birth_date"]


def test_an_officer_records_an_age_in_the_admin(client):
    from django.contrib.auth import get_user_model

    admin_user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin_user)
    subject = californian(None)
    response = client.post("/admin/minors/agestatement/add/", {"subject": subject.pk, "age": 12,
                                                                "dsr_reference": ""})
    assert response.status_code == 302
    statement = AgeStatement.objects.get(subject=subject)
    assert (statement.age, statement.source, statement.recorded_by) == (12, "officer", admin_user)
    empty = client.post("/admin/minors/agestatement/add/", {"subject": subject.pk})
    assert empty.status_code == 200 and "Give a date of birth or an age" in empty.content.decode()


def test_a_birth_date_given_with_a_consent_choice_counts(client):
    from django.conf import settings

    from consents import links

    child = californian(None)
    url = links.preferences_url(child).removeprefix(settings.SITE_URL)
    response = client.post(url, {"purpose_sale_sharing": "allow", "birth_date": born(12).isoformat()})
    assert response.status_code == 200
    assert AgeStatement.objects.get(subject=child).source == "consent"
    assert consent_selectors.is_permitted(child, "sale_sharing") is False
    assert "a parent or guardian must agree" in client.get(url).content.decode()

    future = client.post(url, {"birth_date": (TODAY + dt.timedelta(days=2)).isoformat()})
    assert future.status_code == 400 and "cannot be in the future" in future.content.decode()
