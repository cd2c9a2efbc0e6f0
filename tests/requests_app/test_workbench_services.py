"""The workbench services: permissions through guardian, the clock (pause, extend), closing a case."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from fulfilment.services import FulfilmentBlocked, fulfilment_task_resolve
from medprivacy import access, roles
from outbox.models import Message
from regimes.deadlines import compute_deadlines
from requests_app.models import Case, ControllerOrganization
from requests_app.services import compliance, workbench
from requests_app.services.cases import case_create
from requests_app.workflow import Status
from tests.factories import SubmissionFactory, UserFactory, make_case, officer, supervisor
from timeline.models import TimelineEvent

pytestmark = pytest.mark.django_db

# Factories receive cases on 2026-03-05 15:00 UTC; CCPA access is due 2026-04-19, extended 2026-06-03.
BEFORE_DEADLINE = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _roles(db, settings):
    roles.ensure_roles()


@pytest.fixture
def people():
    return {"boss": supervisor("boss"), "olivia": officer("olivia"), "oscar": officer("oscar")}


def assigned_case(people, *, to: str = "olivia", **kwargs) -> Case:
    dsr = make_case(**kwargs)
    return workbench.case_assign(dsr=dsr, assignee=people[to], actor=people["boss"])


def sign_declaration(dsr: Case, actor) -> None:
    """The consumer signs the declaration under penalty of perjury through the link sent to them."""
    raw, _row = compliance.confirmation_request(dsr=dsr, kind="declaration", actor=actor)
    compliance.confirmation_answer(token=raw, confirmed=True, signed_name="Subject Example")


def visible(user) -> set[int]:
    return set(access.cases_for_user(user=user).values_list("pk", flat=True))


def changeable(user) -> set[int]:
    return set(access.cases_for_user(user=user, perm="change").values_list("pk", flat=True))


# --- who sees what -------------------------------------------------------------------------------------


def test_officer_sees_exactly_assigned_cases_despite_model_permissions(people):
    mine = assigned_case(people)
    theirs = assigned_case(people, to="oscar")
    unassigned = make_case()
    olivia = people["olivia"]
    assert olivia.has_perm("requests_app.view_case")  # the group's model permission, ignored for scoping
    assert visible(olivia) == changeable(olivia) == {mine.pk}
    assert visible(people["oscar"]) == {theirs.pk}
    assert visible(people["boss"]) == changeable(people["boss"]) == {mine.pk, theirs.pk, unassigned.pk}


def test_superuser_sees_every_case(people):
    cases = {make_case().pk, make_case().pk}
    root = UserFactory(username="root", is_superuser=True)
    assert visible(root) == changeable(root) == cases


def test_inactive_or_non_staff_users_see_nothing(people):
    assigned_case(people)
    people["olivia"].is_staff = False
    people["olivia"].save()
    assert visible(people["olivia"]) == set()


def test_reassigning_moves_the_permissions_and_records_who_and_why(people):
    dsr = assigned_case(people)
    workbench.case_assign(dsr=dsr, assignee=people["oscar"], actor=people["boss"], reason="Olivia on leave")
    assert visible(people["olivia"]) == set()
    assert visible(people["oscar"]) == changeable(people["oscar"]) == {dsr.pk}
    dsr.refresh_from_db()
    assert dsr.assignee == people["oscar"]
    latest = dsr.history.first()
    assert latest.history_user == people["boss"]
    assert latest.history_change_reason == "Reassigned from olivia to oscar: Olivia on leave"
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.ASSIGNED).count() == 2


def test_only_supervisors_assign(people):
    dsr = assigned_case(people)
    with pytest.raises(PermissionDenied):
        workbench.case_assign(dsr=dsr, assignee=people["olivia"], actor=people["oscar"])
    with pytest.raises(PermissionDenied):
        workbench.case_assign(dsr=dsr, assignee=people["oscar"], actor=people["olivia"])
    dsr.refresh_from_db()
    assert dsr.assignee == people["olivia"]


def test_cases_are_assigned_only_to_office_staff(people):
    outsider = UserFactory(username="outsider")
    with pytest.raises(workbench.WorkbenchError, match="not an active privacy officer"):
        workbench.case_assign(dsr=make_case(), assignee=outsider, actor=people["boss"])


def test_share_gives_view_only_to_an_officer_or_a_group(people):
    dsr = assigned_case(people)
    workbench.case_share(dsr=dsr, actor=people["olivia"], user=people["oscar"], reason="second opinion")
    assert visible(people["oscar"]) == {dsr.pk}
    assert changeable(people["oscar"]) == set()
    legal = Group.objects.create(name="Legal")
    lawyer = UserFactory(username="lawyer")
    lawyer.groups.add(legal)
    workbench.case_share(dsr=dsr, actor=people["olivia"], group=legal)
    assert visible(lawyer) == {dsr.pk} and changeable(lawyer) == set()
    summaries = list(dsr.timeline.filter(kind=TimelineEvent.Kind.SHARED).values_list("summary", flat=True))
    assert summaries == ["Shared (view only) with oscar: second opinion", "Shared (view only) with group Legal"]


def test_a_view_only_officer_cannot_act(people):
    dsr = assigned_case(people)
    workbench.case_share(dsr=dsr, actor=people["olivia"], user=people["oscar"])
    with pytest.raises(PermissionDenied):
        workbench.case_add_note(dsr=dsr, actor=people["oscar"], text="sneaky")
    assert not dsr.timeline.filter(kind=TimelineEvent.Kind.NOTE).exists()


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_an_officer_acting_on_anothers_case_changes_nothing(people):
    dsr = assigned_case(people, to="oscar")
    before = dsr.history.count()
    for call in (
        lambda: workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="busy"),
        lambda: workbench.case_verify_identity(dsr=dsr, actor=people["olivia"], method="data_points"),
        lambda: workbench.case_withdraw_on_behalf(dsr=dsr, actor=people["olivia"], reason="phoned"),
        lambda: workbench.case_share(dsr=dsr, actor=people["olivia"], user=people["olivia"]),
    ):
        with pytest.raises(PermissionDenied):
            call()
    dsr.refresh_from_db()
    assert (dsr.status, dsr.extended_at, dsr.history.count()) == (Status.AWAITING_VERIFICATION, None, before)
    assert visible(people["olivia"]) == set()
    assert not Message.objects.exists()


# --- extension -----------------------------------------------------------------------------------------


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_extend_moves_due_date_and_sends_the_notice(people):
    dsr = assigned_case(people)
    workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="We must search three archives.")
    dsr.refresh_from_db()
    assert (dsr.respond_by, dsr.due_on) == (dt.date(2026, 4, 19), dt.date(2026, 6, 3))
    assert dsr.extension_reason == "We must search three archives."
    assert dsr.extended_at == BEFORE_DEADLINE
    message = Message.objects.get(template_key="extension_notice")
    assert message.to_email == dsr.subject.email
    assert "will respond by 2026-06-03 instead of 2026-04-19" in message.body_text
    assert "The reason: We must search three archives." in message.body_text
    assert "Cal. Civ. Code §1798.130(a)(2)" in message.body_text
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.MESSAGE_SENT, message=message).exists()
    extended = dsr.timeline.get(kind=TimelineEvent.Kind.EXTENDED)
    assert extended.actor == people["olivia"] and "2026-04-19 → 2026-06-03" in extended.summary
    assert dsr.history.first().history_change_reason.startswith("Extended (Cal. Civ. Code §1798.130(a)(2))")


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_extend_is_refused_a_second_time(people):
    dsr = assigned_case(people)
    workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="archives")
    with pytest.raises(workbench.WorkbenchError, match=r"CCPA allows one extension .*already extended"):
        workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="still busy")
    dsr.refresh_from_db()
    assert dsr.due_on == dt.date(2026, 6, 3)
    assert Message.objects.filter(template_key="extension_notice").count() == 1
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.EXTENDED).count() == 1


def test_extend_is_refused_after_the_original_deadline(people):
    dsr = assigned_case(people)
    with time_machine.travel(dt.datetime(2026, 4, 20, 18, 0, tzinfo=dt.UTC), tick=False):
        with pytest.raises(workbench.WorkbenchError, match=r"original deadline 2026-04-19 .* that day has passed"):
            workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="late")
    dsr.refresh_from_db()
    assert (dsr.due_on, dsr.extended_at) == (dt.date(2026, 4, 19), None)
    assert not Message.objects.exists()


def test_extend_is_allowed_on_the_last_day_in_the_regimes_time_zone(people):
    dsr = assigned_case(people)
    # 06:00 UTC on 20 April is still 19 April in California.
    with time_machine.travel(dt.datetime(2026, 4, 20, 6, 0, tzinfo=dt.UTC), tick=False):
        workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="archives")
    dsr.refresh_from_db()
    assert dsr.due_on == dt.date(2026, 6, 3)


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_extend_is_refused_without_a_reason(people):
    dsr = assigned_case(people)
    with pytest.raises(workbench.WorkbenchError, match=r"CCPA requires the reasons .* give a reason"):
        workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="   ")
    dsr.refresh_from_db()
    assert (dsr.due_on, dsr.extended_at) == (dt.date(2026, 4, 19), None)
    assert not Message.objects.exists()


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_extend_is_refused_for_rights_that_allow_none(people):
    dsr = assigned_case(people, right="opt_out_sale_sharing")
    due = dsr.due_on
    with pytest.raises(workbench.WorkbenchError, match=r"CCPA allows no extension for .*§7026\(f\)"):
        workbench.case_extend(dsr=dsr, actor=people["olivia"], reason="busy")
    dsr.refresh_from_db()
    assert (dsr.due_on, dsr.extended_at) == (due, None)
    assert not Message.objects.exists()


# --- clarification and the paused clock ------------------------------------------------------------------


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_pause_is_refused_under_ccpa(people):
    dsr = assigned_case(people)
    with pytest.raises(workbench.WorkbenchError,
                       match=r"cannot be paused: CCPA .* runs regardless of verification"):
        workbench.case_request_info(dsr=dsr, actor=people["olivia"], kind="identity",
                                    question="Please confirm your date of birth.")
    dsr.refresh_from_db()
    assert (dsr.status, dsr.paused_since) == (Status.AWAITING_VERIFICATION, None)
    assert not Message.objects.exists()


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_ccpa_may_still_ask_without_pausing(people):
    dsr = assigned_case(people)
    workbench.case_request_info(dsr=dsr, actor=people["olivia"], kind="identity", pause=False,
                                question="Please confirm your date of birth.")
    dsr.refresh_from_db()
    assert (dsr.status, dsr.paused_since, dsr.due_on) == (Status.AWAITING_REQUESTER, None, dt.date(2026, 4, 19))
    body = Message.objects.get(template_key="identity_request").body_text
    assert "Please confirm your date of birth." in body and "2026-04-19, is not affected" in body


def test_gdpr_pause_adds_the_paused_days_on_resume(people):
    subject_kwargs = {"subject__country": "DE", "subject__subdivision": ""}
    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        dsr = assigned_case(people, regime="gdpr", **subject_kwargs)
        assert dsr.due_on == dt.date(2026, 4, 7)  # 5 March + 1 month, Easter Monday 6 April rolled forward
        workbench.case_request_info(dsr=dsr, actor=people["olivia"], kind="clarification",
                                    question="Which of your two accounts do you mean?")
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_REQUESTER and dsr.paused_since == BEFORE_DEADLINE
    message = Message.objects.get(template_key="clarification_request")
    assert "Which of your two accounts do you mean?" in message.body_text
    assert "paused, as the law allows (GDPR Art. 15; GDPR Art. 12(3))" in message.body_text
    assert dsr.timeline.filter(kind=TimelineEvent.Kind.PAUSED).exists()
    with time_machine.travel(BEFORE_DEADLINE + dt.timedelta(days=9), tick=False):
        workbench.case_resume(dsr=dsr, actor=people["olivia"], note="answered by e-mail")
    dsr.refresh_from_db()
    expected = compute_deadlines(regime="gdpr", right="access", received_on=dt.date(2026, 3, 5), country="DE",
                                 paused_days=9)
    assert (dsr.paused_days, dsr.paused_since, dsr.due_on) == (9, None, expected.respond_by)
    assert dsr.status == Status.AWAITING_VERIFICATION
    resumed = dsr.timeline.get(kind=TimelineEvent.Kind.RESUMED).summary
    assert resumed == (f"Clock resumed (requester answered) after 9 days paused; due 2026-04-07 → "
                       f"{expected.respond_by.isoformat()}")


# --- identity, closing ---------------------------------------------------------------------------------


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_verify_identity_records_the_method_not_the_document(people):
    dsr = assigned_case(people, regime="gdpr", subject__country="FR", subject__subdivision="")
    workbench.case_verify_identity(dsr=dsr, actor=people["olivia"], method="id_document_checked",
                                   note="Driver's licence shown on video call")
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED and dsr.verified_at == BEFORE_DEADLINE
    assert dsr.verification_method == "ID checked (copy not kept)"
    assert dsr.history.first().history_change_reason == (
        "Identity verified: ID checked (copy not kept). Driver's licence shown on video call")
    with pytest.raises(workbench.WorkbenchError, match="already verified"):
        workbench.case_verify_identity(dsr=dsr, actor=people["olivia"], method="data_points")


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_deny_without_grounds_is_refused(people):
    dsr = assigned_case(people, regime="gdpr", subject__country="FR", subject__subdivision="")
    for ground in ("", "unverifiable"):  # "unverifiable" is a CCPA ground, not a GDPR one
        with pytest.raises(workbench.WorkbenchError, match=r"A denial needs one of the GDPR grounds: identity_not"):
            workbench.case_deny(dsr=dsr, actor=people["olivia"], ground=ground)
    dsr.refresh_from_db()
    assert dsr.status == Status.AWAITING_VERIFICATION and dsr.denial_ground == ""
    assert not Message.objects.exists()


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_deny_sends_the_reason_and_the_rights_the_rules_require(people):
    dsr = assigned_case(people, regime="gdpr", subject__country="FR", subject__subdivision="")
    workbench.case_deny(dsr=dsr, actor=people["olivia"], ground="manifestly_unfounded_or_excessive",
                        explanation="This is the fifth identical request this month.")
    dsr.refresh_from_db()
    assert (dsr.status, dsr.denial_ground) == (Status.DENIED, "manifestly_unfounded_or_excessive")
    body = Message.objects.get(template_key="denial").body_text
    assert "The reason: The request is manifestly unfounded or excessive (Art. 12(5))." in body
    assert "fifth identical request" in body
    assert "lodge a complaint with a data protection supervisory authority and seek a judicial remedy" in body
    assert dsr.history.first().history_change_reason == "Denied: The request is manifestly unfounded or " \
                                                        "excessive (Art. 12(5))"


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_us_state_denial_says_how_to_appeal(people):
    dsr = assigned_case(people, regime="va", subject__subdivision="VA")
    workbench.case_deny(dsr=dsr, actor=people["olivia"], ground="unverifiable")
    assert "You may appeal this decision" in Message.objects.get(template_key="denial").body_text


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_complete_needs_a_verified_case_and_sends_the_response(people):
    dsr = assigned_case(people)
    with pytest.raises(ValueError, match="cannot complete: Identity is not verified at the level"):
        workbench.case_complete(dsr=dsr, actor=people["olivia"], outcome_summary="x", response="y")
    sign_declaration(dsr, people["olivia"])
    workbench.case_verify_identity(dsr=dsr, actor=people["olivia"], method="signed_declaration")
    with pytest.raises(workbench.WorkbenchError, match="response to the requester is required"):
        workbench.case_complete(dsr=dsr, actor=people["olivia"], outcome_summary="Sent the data", response="")
    # Verification created one fulfilment task per system of the data map; none is finished yet.
    tasks = list(dsr.fulfilment_tasks.all())
    assert tasks and {t.state for t in tasks} == {"open"}
    with pytest.raises(FulfilmentBlocked, match="cannot be completed"):
        workbench.case_complete(dsr=dsr, actor=people["olivia"], outcome_summary="x", response="y")
    with pytest.raises(PermissionDenied, match="Only a privacy supervisor"):
        workbench.case_complete(dsr=dsr, actor=people["olivia"], outcome_summary="x", response="y",
                                override_reason="I am in a hurry")
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED
    for task in tasks:
        fulfilment_task_resolve(task=task, state="not_found", actor=people["olivia"], reason="no rows")
    workbench.case_complete(dsr=dsr, actor=people["olivia"], outcome_summary="Sent the data package",
                            response="Attached is everything we hold about you.")
    dsr.refresh_from_db()
    assert (dsr.status, dsr.outcome_summary) == (Status.COMPLETED, "Sent the data package")
    assert dsr.closed_at == BEFORE_DEADLINE
    assert "Attached is everything we hold about you." in Message.objects.get(template_key="completion").body_text


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_a_supervisor_may_complete_over_unfinished_tasks_with_a_reason(people):
    dsr = assigned_case(people)
    sign_declaration(dsr, people["olivia"])
    workbench.case_verify_identity(dsr=dsr, actor=people["olivia"], method="signed_declaration")
    workbench.case_complete(dsr=dsr, actor=people["boss"], outcome_summary="Answered from the archive",
                            response="Here is what we hold.", override_reason="Systems retired; archive searched")
    dsr.refresh_from_db()
    assert dsr.status == Status.COMPLETED
    override = dsr.timeline.filter(kind=TimelineEvent.Kind.TASK, summary__startswith="Supervisor override").get()
    assert override.actor == people["boss"] and "Systems retired; archive searched" in override.summary
    task = dsr.fulfilment_tasks.first()
    assert task.history.first().history_change_reason.startswith("Completion override")


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_redirect_patient_request_notifies_organization_and_patient(people):
    clinic = ControllerOrganization.objects.create(name="Northside Imaging", privacy_email="privacy@northside.example")
    submission = SubmissionFactory(clinic_name="Northside Imaging", details="My MRI from January")
    dsr = workbench.case_assign(dsr=make_case(submission=submission, right="access", regime="hipaa"),
                                assignee=people["olivia"], actor=people["boss"])
    assert not dsr.is_patient
    with pytest.raises(workbench.WorkbenchError, match="Only patient requests"):
        workbench.case_redirect_to_controller(dsr=dsr, actor=people["olivia"], organization=clinic)
    patient_case = case_create(submission=submission, right="accounting", regime="hipaa", is_patient=True)
    workbench.case_assign(dsr=patient_case, assignee=people["olivia"], actor=people["boss"])
    workbench.case_redirect_to_controller(dsr=patient_case, actor=people["olivia"], organization=clinic,
                                          note="Patient called twice.")
    patient_case.refresh_from_db()
    # Forwarded, not closed: the case stays open on its clock until the clinic answers (RULES: forward and track).
    assert patient_case.status == Status.FORWARDED and patient_case.is_open
    assert patient_case.referral.organization == clinic
    to_org = Message.objects.get(template_key="redirect_organization")
    to_patient = Message.objects.get(template_key="redirect_patient")
    assert to_org.to_email == "privacy@northside.example" and "My MRI from January" in to_org.body_text
    assert to_patient.to_email == submission.subject.email and "Northside Imaging" in to_patient.body_text
    sent = set(patient_case.timeline.filter(kind=TimelineEvent.Kind.MESSAGE_SENT).values_list("message", flat=True))
    assert sent == {to_org.pk, to_patient.pk}


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_withdraw_note_and_attachment(people, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    dsr = assigned_case(people)
    workbench.case_add_note(dsr=dsr, actor=people["olivia"], text="Called back, no answer")
    with pytest.raises(workbench.WorkbenchError, match="note is required"):
        workbench.case_add_note(dsr=dsr, actor=people["olivia"], text=" ")
    attachment = workbench.case_attach_file(dsr=dsr, actor=people["olivia"], description="signed letter",
                                            upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4 x"))
    assert attachment.file.path.startswith(str(tmp_path)) and attachment.size == 10
    assert attachment.content_type == "application/pdf"
    workbench.case_withdraw_on_behalf(dsr=dsr, actor=people["olivia"], reason="Phoned on 10 March")
    dsr.refresh_from_db()
    assert dsr.status == Status.WITHDRAWN
    kinds = list(dsr.timeline.values_list("kind", flat=True))
    assert kinds[-3:] == [TimelineEvent.Kind.NOTE, TimelineEvent.Kind.ATTACHMENT, TimelineEvent.Kind.STATUS_CHANGED]


# --- requests received by phone or mail ----------------------------------------------------------------


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_backdated_manual_entry_needs_a_reason_and_shows_on_the_timeline(people):
    letter_day = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    entry = {"actor": people["olivia"], "channel": "mail", "email": " Jane@Example.COM ", "rights": ["access",
             "erasure"], "received_at": letter_day, "country": "US", "subdivision": "ca", "full_name": "Jane Roe"}
    with pytest.raises(workbench.WorkbenchError, match="receipt date in the past needs a reason"):
        workbench.case_enter_manual(**entry)
    assert not Case.objects.exists()
    cases = workbench.case_enter_manual(**entry, backdate_reason="Letter found in the mail room on 10 March")
    assert [(c.right, c.regime, c.channel) for c in cases] == [("access", "ccpa", "mail"), ("erasure", "ccpa", "mail")]
    assert cases[0].subject.email == "jane@example.com"
    assert cases[0].respond_by == dt.date(2026, 3, 2) + dt.timedelta(days=45)
    backdated = cases[0].timeline.get(kind=TimelineEvent.Kind.BACKDATED)
    assert backdated.summary == ("Entered 2026-03-10 12:00 UTC with receipt 2026-03-02 09:00 UTC: "
                                 "Letter found in the mail room on 10 March")
    assert backdated.actor == people["olivia"]


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_manual_entry_refuses_future_dates_and_unknown_channels(people):
    base = {"actor": people["olivia"], "email": "a@example.com", "rights": ["access"], "country": "US",
            "subdivision": "CA"}
    with pytest.raises(workbench.WorkbenchError, match="cannot be in the future"):
        workbench.case_enter_manual(**base, channel="phone", received_at=BEFORE_DEADLINE + dt.timedelta(days=1))
    with pytest.raises(workbench.WorkbenchError, match="Channel must be one of"):
        workbench.case_enter_manual(**base, channel="web_form", received_at=BEFORE_DEADLINE)
    assert not Case.objects.exists()


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_a_phone_request_does_not_overwrite_the_identity_behind_another_officers_case(people):
    theirs = assigned_case(people, to="oscar")
    subject = theirs.subject
    before = (subject.full_name, subject.country, subject.subdivision)
    cases = workbench.case_enter_manual(actor=people["olivia"], channel="phone", email=subject.email,
                                        rights=["access"], received_at=BEFORE_DEADLINE, country="US",
                                        subdivision="VA", full_name="Somebody Else")
    subject.refresh_from_db()
    assert (subject.full_name, subject.country, subject.subdivision) == before
    assert cases[0].submission.filed_name == "Somebody Else"
    assert cases[0].submission.identity_applied_at is None
    with pytest.raises(PermissionDenied):
        workbench.submission_identity_confirm(submission=cases[0].submission, actor=people["olivia"])
    subject.refresh_from_db()
    assert subject.full_name == before[0]


@time_machine.travel(BEFORE_DEADLINE, tick=False)
def test_an_officer_who_works_every_case_of_the_person_may_confirm_the_identity(people):
    mine = assigned_case(people, to="olivia")
    subject = mine.subject
    cases = workbench.case_enter_manual(actor=people["olivia"], channel="phone", email=subject.email,
                                        rights=["access"], received_at=BEFORE_DEADLINE, country="US",
                                        subdivision="CA", full_name="Corrected Name")
    subject.refresh_from_db()
    assert subject.full_name == "Corrected Name"
    latest = subject.history.first()
    assert latest.history_user == people["olivia"]
    assert latest.history_change_reason == (
        f"Identity given with submission #{cases[0].submission.pk} confirmed by an officer")
