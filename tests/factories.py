"""Factories with deterministic values for every app's tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from medprivacy import roles
from requests_app.models import Submission
from requests_app.services.cases import case_create
from subjects.models import DataSubject, Relationship

RECEIVED_AT = dt.datetime(2026, 3, 5, 15, 0, tzinfo=dt.UTC)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@meddimensions.example")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


def officer(username: str = "officer1") -> object:
    """A staff user in the officers group, with the group's model permissions."""
    user = UserFactory(username=username)
    user.groups.add(roles.ensure_roles()[roles.OFFICERS])
    return user


def supervisor(username: str = "supervisor") -> object:
    """A staff user in the supervisors group, with the group's model permissions."""
    user = UserFactory(username=username)
    user.groups.add(roles.ensure_roles()[roles.SUPERVISORS])
    return user


class DataSubjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSubject

    email = factory.Sequence(lambda n: f"subject{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Subject Number{n}")
    relationship = Relationship.WEBSITE_VISITOR
    country = "US"
    subdivision = "CA"


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Submission

    subject = factory.SubFactory(DataSubjectFactory)
    received_at = RECEIVED_AT
    declaration_accepted = True


def make_case(*, right: str = "access", regime: str = "ccpa", submission: Submission | None = None,
              **submission_kwargs):
    """Create a case through the real service, as intake does."""
    submission = submission or SubmissionFactory(**submission_kwargs)
    return case_create(submission=submission, right=right, regime=regime)
