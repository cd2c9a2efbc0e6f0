"""The workbench's one-case flows: a form per action, each calling one service from services.workbench.

`CASE_ACTIONS` lists them; `CaseAdmin.get_urls()` routes `<case id>/<action>/` to `CaseAdmin.action_view`,
which checks the object permission before any form is shown or processed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from compliance.rules import GROUNDS_NEEDING_EXPLANATION, OUTCOMES
from fulfilment import packages
from fulfilment import services as fulfilment
from fulfilment.models import FulfilmentTask
from fulfilment.rules import ERASURE_EXCEPTIONS, PACKAGE_RIGHTS
from medprivacy import access
from medprivacy.languages import DEFAULT_LANGUAGE, language_choices, language_name
from referrals.models import ControllerAnswer
from regimes import deadlines
from regimes.rules import DENIAL_GROUNDS, RIGHT_LABELS
from requests_app.models import Case, Channel, ControllerOrganization
from requests_app.referral_selectors import controller_reserved_reason
from requests_app.residence import residence_label
from requests_app.services import compliance, workbench
from requests_app.workflow import Status, allowed_next

Textarea = forms.Textarea(attrs={"rows": 4, "cols": 80})


def _later(msgid: str, **values) -> str:
    """Translate `msgid` (marked with gettext_noop) and fill in `values` when the text is shown, in the
    language active then: the officer's for the page and messages, English for the admin log."""
    return lazy(lambda: gettext(msgid) % values if values else gettext(msgid), str)()


class CaseActionForm(forms.Form):
    """Base of every action form: knows the case and the acting user."""

    def __init__(self, *args, dsr: Case, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.dsr = dsr
        self.user = user


class AssignForm(CaseActionForm):
    assignee = forms.ModelChoiceField(queryset=get_user_model().objects.none(), label=_("Assign to"))
    reason = forms.CharField(required=False, widget=Textarea)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = access.case_workers()


class ShareForm(CaseActionForm):
    officer = forms.ModelChoiceField(queryset=get_user_model().objects.none(), required=False)
    group = forms.ModelChoiceField(queryset=Group.objects.order_by("name"), required=False)
    reason = forms.CharField(required=False, widget=Textarea)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = get_user_model().objects.filter(is_active=True, is_staff=True).order_by(
            get_user_model().USERNAME_FIELD)


class VerifyForm(CaseActionForm):
    method = forms.ChoiceField(choices=list(workbench.VERIFICATION_METHODS.items()))
    note = forms.CharField(required=False, widget=Textarea,
                           help_text=_("What was checked. Do not upload or keep the identity document itself."))


class RequestInfoForm(CaseActionForm):
    kind = forms.ChoiceField(choices=[("clarification", _("A clarification of the request")),
                                      ("identity", _("More information to confirm identity"))])
    question = forms.CharField(widget=Textarea, required=False,
                               help_text=_("Sent to the requester as written."))
    pause = forms.BooleanField(required=False, initial=True, label=_("Pause the clock while waiting"),
                               help_text=_("Refused where the rules do not allow a pause (e.g. CCPA)."))


class MessageForm(CaseActionForm):
    template_key = forms.ChoiceField(label=_("Template"), choices=[])
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 8, "cols": 80}), label=_("Message"),
                           help_text=_("Put into the template where it says {{ body }}; sent and kept exactly as "
                                       "written. The requester reads it on the status page and can answer there."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template_key"].choices = workbench.thread_templates()


class LanguageForm(CaseActionForm):
    language = forms.ChoiceField(choices=language_choices, label=_("The requester's language"),
                                 help_text=_("Every later e-mail about this filing's requests is written in it."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = self.dsr.submission.language


class NoteOnlyForm(CaseActionForm):
    note = forms.CharField(required=False, widget=Textarea)


class ExtendForm(CaseActionForm):
    reason = forms.CharField(required=False, widget=Textarea, help_text=_("Sent to the requester in the notice."))
    extend_to = forms.DateField(required=False, help_text=_("Only where the rules name no fixed extension "
                                                            "(Swiss FADP): the date of the answer."),
                                widget=forms.DateInput(attrs={"type": "date"}))


class CompleteForm(CaseActionForm):
    outcome = forms.ChoiceField(choices=[(code, OUTCOMES[code]) for code in workbench.COMPLETION_OUTCOMES],
                                initial="complied", help_text=_("“In part” when any of the request was not done "
                                "(e.g. categories only, data kept under an exception); the §7102 metrics count it."))
    outcome_summary = forms.CharField(widget=Textarea, help_text=_("For the record (not sent)."))
    response = forms.CharField(widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
                               help_text=_("Sent to the requester as written."))
    override_reason = forms.CharField(
        required=False, widget=Textarea, label=_("Supervisor override"),
        help_text=_("Only a privacy supervisor, and only to complete while fulfilment tasks are unfinished: why."))


class DenyForm(CaseActionForm):
    ground = forms.ChoiceField(required=False)
    explanation = forms.CharField(required=False, widget=Textarea, help_text=_("Sent to the requester."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ground"].choices = [("", gettext("— choose the ground —")), *DENIAL_GROUNDS[self.dsr.regime]]
        notice = compliance.notice_rights_text(compliance.notice_statements(dsr=self.dsr, kind="denial"))
        needing = ", ".join(sorted(GROUNDS_NEEDING_EXPLANATION))
        self.fields["explanation"].help_text = gettext(
            "Sent to the requester (required for %(grounds)s), followed by: %(notice)s") % {
            "grounds": needing, "notice": notice}


class RedirectForm(CaseActionForm):
    organization = forms.ModelChoiceField(queryset=ControllerOrganization.objects.all())
    note = forms.CharField(required=False, widget=Textarea, help_text=_("Added to the notice to the organization."))


class ControllerAnswerForm(CaseActionForm):
    answer = forms.ChoiceField(choices=ControllerAnswer.choices)
    note = forms.CharField(widget=Textarea, help_text=_("What the clinic answered, for the record."))


class WithdrawForm(CaseActionForm):
    reason = forms.CharField(widget=Textarea, help_text=_("How and when the requester withdrew."))


class NoteForm(CaseActionForm):
    text = forms.CharField(widget=Textarea, label=_("Internal note"), help_text=_("Never sent to the requester."))


class PackageForm(CaseActionForm):
    """Nothing to fill in: the package holds what the systems returned; the requester gets a signed link."""


class AttachForm(CaseActionForm):
    file = forms.FileField()
    description = forms.CharField(required=False, max_length=200)


@dataclass(frozen=True)
class CaseAction:
    """One button on the case page: its form, the service call, and when it is offered."""

    name: str
    label: str
    form_class: type[CaseActionForm]
    run: Callable[[HttpRequest, Case, dict], str]
    target: Status | None = None  # offered only if the lifecycle allows this next status
    needs_assign: bool = False  # supervisors only
    multipart: bool = False
    step: bool = False  # moves the case along (shown among the next steps); the others are tools

    def offered(self, dsr: Case) -> bool:
        """Return whether the button makes sense for the case now (the service still has the last word)."""
        if controller_reserved_reason(dsr, self.name):
            return False  # the clinic decides this patient's request; we record its answer
        if self.name == "controller_answer":
            return dsr.status == Status.FORWARDED
        if self.name == "extend":
            return dsr.is_open and dsr.extended_at is None and \
                deadlines.rule_for(dsr.regime, dsr.right).extension is not None
        if self.name == "redirect" and not dsr.is_patient:
            return False
        if self.name == "ask_consumer":
            return dsr.is_open and dsr.is_agent
        if self.name == "declaration":
            return dsr.is_open and dsr.verification_level == "reasonably_high" and not dsr.is_patient
        if self.name == "message":
            return dsr.is_open and bool(dsr.subject.email)
        if self.name == "package":
            return package_step_refusal(dsr) == ""
        if self.name == "resume":
            return dsr.status == Status.AWAITING_REQUESTER
        if self.name == "verify" and dsr.needs_officer_verification and dsr.is_open:
            return True  # the e-mail link confirmed the address; the rules ask an officer for more
        if self.name == "verify" and dsr.verified_at is not None and dsr.status != Status.AWAITING_REQUESTER:
            return False
        if self.target is not None:
            return self.target in allowed_next(dsr.status)
        return True

    @property
    def is_step(self) -> bool:
        return self.step or self.target is not None


def package_step_refusal(dsr: Case) -> str:
    """Return why the access package cannot be sent from the case now ("" when it can).

    The workflow decides (`Case.disclosure_refusal`: not while waiting for the requester or verification),
    then the tasks: every system must have answered. `access_package_build` checks the same again.
    """
    if dsr.right not in PACKAGE_RIGHTS:
        return _("Only access and portability requests have a package.")
    if dsr.disclosure_refusal:
        return dsr.disclosure_refusal
    blocking = fulfilment.fulfilment_blocking_tasks(dsr).count()
    if blocking:
        return _("%(n)s fulfilment task(s) are not finished yet.") % {"n": blocking}
    return ""


def _done(text: str, **values) -> Callable[[Case], str]:
    """The success message of an action: the reference, then `text` (marked with gettext_noop).

    Lazy: the officer reads it in their language, the admin log keeps it in English (`action_view`)."""
    return lambda dsr: lazy(lambda: f"{dsr.reference}: {gettext(text) % values if values else gettext(text)}", str)()


CASE_ACTIONS: dict[str, CaseAction] = {a.name: a for a in (
    CaseAction("verify", _("Verify identity"), VerifyForm, target=Status.VERIFIED, step=True,
               run=lambda r, dsr, d: _done(gettext_noop("identity verified"))(workbench.case_verify_identity(
                   dsr=dsr, actor=r.user, method=d["method"], note=d["note"]))),
    CaseAction("ask_consumer", _("Ask the consumer to confirm directly"), NoteOnlyForm,
               run=lambda r, dsr, d: _done(gettext_noop("the consumer was asked to confirm the agent directly"))(
                   workbench.case_ask_consumer_to_confirm(dsr=dsr, actor=r.user))),
    CaseAction("declaration", _("Send the declaration form"), NoteOnlyForm,
               run=lambda r, dsr, d: _done(gettext_noop("declaration form sent to the consumer"))(
                   workbench.case_send_declaration(dsr=dsr, actor=r.user))),
    CaseAction("start", _("Start work"), NoteOnlyForm, target=Status.IN_PROGRESS,
               run=lambda r, dsr, d: _done(gettext_noop("work started"))(workbench.case_start_work(
                   dsr=dsr, actor=r.user, note=d["note"]))),
    CaseAction("request_info", _("Ask the requester"), RequestInfoForm, target=Status.AWAITING_REQUESTER,
               run=lambda r, dsr, d: _done(gettext_noop("message sent to the requester"))(workbench.case_request_info(
                   dsr=dsr, actor=r.user, kind=d["kind"], question=d["question"], pause=d["pause"]))),
    CaseAction("message", _("Write to the requester"), MessageForm,
               run=lambda r, dsr, d: (workbench.case_message_requester(
                   dsr=dsr, actor=r.user, text=d["text"], template_key=d["template_key"])
                   and _done(gettext_noop("message sent to the requester"))(dsr))),
    CaseAction("resume", _("Requester answered"), NoteOnlyForm, step=True,
               run=lambda r, dsr, d: _done(gettext_noop("clock resumed"))(workbench.case_resume(
                   dsr=dsr, actor=r.user, note=d["note"]))),
    CaseAction("extend", _("Extend deadline"), ExtendForm,
               run=lambda r, dsr, d: (lambda x: _done(
                   gettext_noop("extended to %(date)s; notice sent to the requester"),
                   date=x.due_on.isoformat())(x))(workbench.case_extend(
                   dsr=dsr, actor=r.user, reason=d["reason"], extend_to=d["extend_to"]))),
    CaseAction("package", _("Send the access package"), PackageForm, step=True,
               run=lambda r, dsr, d: _done(gettext_noop("access package built; the requester has the link"))(
                   packages.access_package_build(dsr=dsr, actor=r.user).case)),
    CaseAction("complete", _("Complete"), CompleteForm, target=Status.COMPLETED,
               run=lambda r, dsr, d: _done(gettext_noop("completed; response sent"))(workbench.case_complete(
                   dsr=dsr, actor=r.user, outcome_summary=d["outcome_summary"], response=d["response"],
                   override_reason=d["override_reason"] or None, outcome=d["outcome"]))),
    CaseAction("deny", _("Deny"), DenyForm, target=Status.DENIED,
               run=lambda r, dsr, d: _done(gettext_noop("denied; notice sent"))(workbench.case_deny(
                   dsr=dsr, actor=r.user, ground=d["ground"], explanation=d["explanation"]))),
    CaseAction("redirect", _("Forward to controller"), RedirectForm, target=Status.FORWARDED,
               run=lambda r, dsr, d: _done(
                   gettext_noop("forwarded; organization and patient notified; awaiting its answer"))(
                   workbench.case_redirect_to_controller(dsr=dsr, actor=r.user, organization=d["organization"],
                                                         note=d["note"]))),
    CaseAction("controller_answer", _("Record the clinic's answer"), ControllerAnswerForm, step=True,
               run=lambda r, dsr, d: _done(gettext_noop("the clinic's answer recorded; case closed"))(
                   workbench.case_record_controller_answer(dsr=dsr, actor=r.user, answer=d["answer"],
                                                           note=d["note"]))),
    CaseAction("withdraw", _("Withdrawn by requester"), WithdrawForm, target=Status.WITHDRAWN,
               run=lambda r, dsr, d: _done(gettext_noop("withdrawn"))(workbench.case_withdraw_on_behalf(
                   dsr=dsr, actor=r.user, reason=d["reason"]))),
    CaseAction("assign", _("Assign"), AssignForm, needs_assign=True,
               run=lambda r, dsr, d: _done(gettext_noop("assigned to %(name)s"),
                                             name=d["assignee"].get_username())(workbench.case_assign(
                   dsr=dsr, actor=r.user, assignee=d["assignee"], reason=d["reason"]))),
    CaseAction("share", _("Share (view only)"), ShareForm,
               run=lambda r, dsr, d: _done(gettext_noop("shared"))(workbench.case_share(
                   dsr=dsr, actor=r.user, user=d["officer"], group=d["group"], reason=d["reason"]))),
    CaseAction("note", _("Add note"), NoteForm,
               run=lambda r, dsr, d: (workbench.case_add_note(dsr=dsr, actor=r.user, text=d["text"])
                                      and _done(gettext_noop("note added"))(dsr))),
    CaseAction("language", _("Requester's language"), LanguageForm,
               run=lambda r, dsr, d: (workbench.submission_language_set(dsr=dsr, actor=r.user,
                                                                        language=d["language"])
                                      and _done(gettext_noop("the requester's language is now %(language)s"),
                                                 language=language_name(d["language"]))(dsr))),
    CaseAction("attach", _("Attach file"), AttachForm, multipart=True,
               run=lambda r, dsr, d: (workbench.case_attach_file(dsr=dsr, actor=r.user, upload=d["file"],
                                                                 description=d["description"])
                                      and _done(gettext_noop("file attached"))(dsr))),
)}


# ---------------------------------------------------------------------------------------------------------
# The case's fulfilment tasks, resolved together on the case page
# ---------------------------------------------------------------------------------------------------------

KEEP = ""  # the outcome choice that leaves a task as it is


class TaskOutcomeForm(forms.Form):
    """One row of the case page's task form: the outcome of one open or failed task, with evidence."""

    outcome = forms.ChoiceField(required=False, label=_("Outcome"))
    reason = forms.CharField(required=False, max_length=500, label=_("Reason"),
                             widget=forms.TextInput(attrs={"placeholder": _("Reason (not applicable, failed, retry)")}))
    exception = forms.ChoiceField(required=False, label=_("Kept under"),
                                  choices=[("", _("— nothing kept under an exception —")),
                                           *ERASURE_EXCEPTIONS.items()])
    evidence = forms.FileField(required=False, label=_("Evidence"))

    def __init__(self, *args, task: FulfilmentTask, **kwargs) -> None:
        super().__init__(*args, prefix=f"task-{task.pk}", **kwargs)
        self.task = task
        states = [s for s in FulfilmentTask.State if s != FulfilmentTask.State.OPEN]
        if task.state == FulfilmentTask.State.FAILED:
            states = [s for s in states if s != FulfilmentTask.State.FAILED]
        choices = [(KEEP, _("— leave %(state)s —") % {"state": task.get_state_display().lower()}),
                   *((s.value, s.label) for s in states)]
        if task.state == FulfilmentTask.State.FAILED:
            choices.append((fulfilment.RETRY, _("Send again (retry)") if task.system.access_method != "manual"
                            else _("Reopen")))
        self.fields["outcome"].choices = choices
        if task.action != "delete":
            del self.fields["exception"]
        for name, field in self.fields.items():  # one label per task for screen readers and tests
            field.widget.attrs["aria-label"] = f"{field.label} — {task.system.name}"
            field.widget.attrs["data-field"] = name

    def clean_evidence(self):
        upload = self.cleaned_data.get("evidence")
        if upload is not None and upload.size > fulfilment.MAX_EVIDENCE_BYTES:  # refused before it is read
            raise forms.ValidationError(_("Evidence files are limited to %(mb)s MB.") % {
                "mb": fulfilment.MAX_EVIDENCE_BYTES // (1024 * 1024)})
        return upload

    def outcome_for_service(self) -> fulfilment.TaskOutcome | None:
        """Return what to record for this task, or None when the officer left it alone."""
        data = self.cleaned_data
        upload = data.get("evidence")
        if data["outcome"] == KEEP and upload is None:
            return None
        evidence = ()
        if upload is not None:
            evidence = (fulfilment.EvidenceFile(name=upload.name or "evidence", content=upload.read(),
                                                content_type=upload.content_type or ""),)
        return fulfilment.TaskOutcome(task_id=self.task.pk, state=data["outcome"], reason=data["reason"],
                                      exception=data.get("exception", ""), evidence=evidence)


def task_outcome_forms(tasks, data=None, files=None) -> dict[int, TaskOutcomeForm]:
    """Return a form per task still to resolve (open or failed, not overridden), by task id."""
    return {task.pk: TaskOutcomeForm(data, files, task=task) for task in tasks
            if task.state in (FulfilmentTask.State.OPEN, FulfilmentTask.State.FAILED) and task.overridden_at is None}


class ManualEntryForm(forms.Form):
    """A request received by phone, mail or e-mail, with its real receipt time.

    Step two of manual entry: the residence was chosen first (`requests_app.forms.ResidenceForm`, the public
    form's step one), and only the rights the rules table gives that residence are offered, as on the public
    form (`deadlines.rights_offered`).
    """

    channel = forms.ChoiceField(choices=[(c.value, c.label) for c in workbench.MANUAL_CHANNELS])
    received_at = forms.DateTimeField(
        label=_("Received at"), help_text=_later(gettext_noop("When it reached us (%(zone)s), e.g. 2026-03-05 14:30."),
                                           zone=settings.DISPLAY_TIME_ZONE),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    backdate_reason = forms.CharField(required=False, widget=Textarea,
                                      help_text=_("Required when the receipt is earlier than now."))
    email = forms.EmailField()
    full_name = forms.CharField(required=False, max_length=200)
    phone = forms.CharField(required=False, max_length=40)
    rights = forms.MultipleChoiceField(choices=[], widget=forms.CheckboxSelectMultiple,
                                       help_text=_("The rights the law of this residence gives."))
    is_patient = forms.BooleanField(required=False, label=_("About data a clinic submitted (patient)"))
    appeal_reference = forms.CharField(required=False, max_length=20,
                                       help_text=_("For an appeal: the reference of the decision appealed."))
    clinic_name = forms.CharField(required=False, max_length=200)
    details = forms.CharField(required=False, widget=Textarea)
    language = forms.ChoiceField(choices=language_choices, initial=DEFAULT_LANGUAGE, required=False,
                                 label=_("The requester's language"),
                                 help_text=_("Every e-mail about this request is written in it "
                                             "(English if not chosen)."))

    def __init__(self, *args, country: str, subdivision: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.country, self.subdivision = country, subdivision
        self.residence = residence_label(country, subdivision)
        # As on the public form: patients' rights are listed too; the service refuses them to non-patients.
        self.fields["rights"].choices = [
            (right, RIGHT_LABELS[right])
            for right in deadlines.rights_offered(country, subdivision or None, is_patient=True)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        cleaned["country"], cleaned["subdivision"] = self.country, self.subdivision
        return cleaned

    def clean_received_at(self) -> dt.datetime:
        value = self.cleaned_data["received_at"]
        if value.tzinfo is None:  # naive when USE_TZ form parsing had no active zone: the office's zone
            value = value.replace(tzinfo=ZoneInfo(settings.DISPLAY_TIME_ZONE))
        return value

    def clean_channel(self) -> str:
        return Channel(self.cleaned_data["channel"]).value

    def clean_language(self) -> str:
        return self.cleaned_data.get("language") or DEFAULT_LANGUAGE
