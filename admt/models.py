"""The AI register: automated systems of the data map, their versioned pre-use notices, and the records the
ADMT rights leave (which systems a request names, a clinic's instruction, an access response).

Cases, submissions and clinics are referenced by app label: this app sits below the case app that calls it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from admt.rules import COMPANY_ROLES, DECISION_KINDS, EXCEPTIONS, HUMAN_CONDITIONS, WITHHOLDING_GROUNDS
from retention.categories import CATEGORIES
from subjects.models import Relationship


def _category_codes_valid(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError(_("Give a list of category codes."))
    unknown = sorted(set(value) - set(CATEGORIES))
    if unknown:
        raise ValidationError(_("Unknown data categories: %(codes)s") % {"codes": ", ".join(unknown)})


def _relationships_valid(value: object) -> None:
    if not isinstance(value, list) or not value or not set(value) <= set(Relationship.values):
        raise ValidationError(_("Give at least one of: %(values)s") % {"values": ", ".join(Relationship.values)})


class AutomatedSystem(models.Model):
    """One automated system of the data map, as the ADMT regulations ask the register to describe it."""

    system = models.OneToOneField("fulfilment.System", on_delete=models.PROTECT, related_name="automated_system",
                                  verbose_name=_("data-map system"))
    public_name = models.CharField(_("name shown to people"), max_length=120, unique=True)
    specific_purpose = models.TextField(_("specific purpose"), help_text=_(
        "What it is used for, specifically (not merely \"to make a significant decision\"; §7220)."))
    significant_decision = models.BooleanField(_("makes or substantially makes a significant decision"),
                                               default=False)
    decision_kind = models.CharField(_("kind of significant decision"), max_length=20,
                                     choices=list(DECISION_KINDS.items()), default="none")
    input_categories = models.JSONField(_("categories of information that affect its output"), default=list,
                                        validators=[_category_codes_valid],
                                        help_text=_("Data category codes (retention/categories.py)."))
    relationships = models.JSONField(_("people it processes"), default=list, validators=[_relationships_valid],
                                     help_text=_("Relationships whose information it processes, e.g. "
                                                 "[\"patient\", \"clinician\"]."))
    logic = models.TextField(_("how it works (logic, key parameters)"))
    output = models.TextField(_("its output"))
    output_use = models.TextField(_("how the output is used"))
    human_role = models.TextField(_("the human's role"), blank=True)
    human_can_interpret = models.BooleanField(HUMAN_CONDITIONS["human_can_interpret"], default=False)
    human_reviews_other_information = models.BooleanField(HUMAN_CONDITIONS["human_reviews_other_information"],
                                                          default=False)
    human_can_change_decision = models.BooleanField(HUMAN_CONDITIONS["human_can_change_decision"], default=False)
    exception = models.CharField(_("opt-out exception relied on"), max_length=20, choices=list(EXCEPTIONS.items()),
                                 default="none")
    company_role = models.CharField(_("our role"), max_length=20, choices=list(COMPANY_ROLES.items()),
                                    default="business")
    clinic = models.ForeignKey("requests_app.ControllerOrganization", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="automated_systems",
                               help_text=_("The clinic whose ADMT it is, when we are its service provider."))
    recipients = models.ManyToManyField("fulfilment.System", blank=True, related_name="admt_outputs_received",
                                        help_text=_("Service providers, contractors and third parties that "
                                                    "process people's information with it or receive its output."))
    alternative_process = models.TextField(_("what happens instead after an opt-out"), blank=True)
    future_uses = models.TextField(_("planned future uses"), blank=True)
    withheld_ground = models.CharField(_("details withheld from access responses"), max_length=20, blank=True,
                                       choices=list(WITHHOLDING_GROUNDS.items()))
    withheld_reason = models.TextField(_("why they are withheld"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=[recipients])

    class Meta:
        ordering = ["public_name"]
        verbose_name = _("automated system")

    def __str__(self) -> str:
        return self.public_name

    def clean(self) -> None:
        if self.company_role == "service_provider" and self.clinic_id is None:
            raise ValidationError({"clinic": _("Name the clinic whose automated system this is.")})
        if self.company_role == "business" and self.clinic_id is not None:
            raise ValidationError({"clinic": _("A clinic is named only when we are its service provider.")})
        if self.significant_decision and self.decision_kind == "none":
            raise ValidationError({"decision_kind": _("Say which kind of significant decision it makes.")})
        if self.exception == "human_appeal" and not self.human_meets_conditions:
            raise ValidationError({"exception": _(
                "The human-appeal exception needs a reviewer who meets all three conditions of §7001(e).")})

    @property
    def human_meets_conditions(self) -> bool:
        """Whether the human involved meets all three conditions of §7001(e)."""
        return all(getattr(self, name) for name in HUMAN_CONDITIONS)

    @property
    def is_admt(self) -> bool:
        """Whether it is ADMT for a significant decision (§7001(e)): no qualifying human in the loop."""
        return self.significant_decision and not self.human_meets_conditions


class PreUseNoticeQuerySet(models.QuerySet):
    def published(self) -> PreUseNoticeQuerySet:
        return self.filter(published_at__isnull=False)


class PreUseNotice(models.Model):
    """One version of a system's pre-use notice (§7220). Never edited once published: a new version instead."""

    automated_system = models.ForeignKey(AutomatedSystem, on_delete=models.PROTECT, related_name="notices")
    version = models.PositiveIntegerField()
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("notice text"), help_text=_(
        "Plain paragraphs: the specific purpose, how it works (inputs, output, how it is used), the rights to "
        "opt out and to access, what happens instead after an opt-out, and that we do not retaliate."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    objects = PreUseNoticeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["automated_system", "-version"]
        verbose_name = _("pre-use notice")
        permissions = [("publish_preusenotice", "Can publish a pre-use notice")]
        constraints = [
            models.UniqueConstraint(fields=["automated_system", "version"], name="unique_preuse_notice_version"),
        ]

    def __str__(self) -> str:
        return f"{self.automated_system} — v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class AdmtRequestScope(models.Model):
    """A system a request names (the opt-out link of its notice preselects it); none named means all."""

    submission = models.ForeignKey("requests_app.Submission", on_delete=models.CASCADE, related_name="admt_scope")
    automated_system = models.ForeignKey(AutomatedSystem, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "automated_system"],
                                               name="unique_admt_scope")]

    def __str__(self) -> str:
        return f"Submission #{self.submission_id}: {self.automated_system}"


class ClinicInstruction(models.Model):
    """An opt-out forwarded to the clinic whose ADMT we run, and its instruction, carried out within the limit."""

    class Instruction(models.TextChoices):
        STOP = "stop", _("Stop using the system on the person")
        EXCEPTION = "exception", _("Continue: the clinic relies on an exception (it answers the person)")

    case = models.ForeignKey("requests_app.Case", on_delete=models.CASCADE, related_name="admt_clinic_instructions")
    automated_system = models.ForeignKey(AutomatedSystem, on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey("requests_app.ControllerOrganization", on_delete=models.PROTECT, related_name="+")
    task = models.OneToOneField("fulfilment.FulfilmentTask", on_delete=models.CASCADE, related_name="+",
                                help_text=_("The task that carries out the clinic's instruction."))
    forwarded_at = models.DateTimeField(default=timezone.now)
    due_on = models.DateField(help_text=_("The opt-out's own limit: the clinic's instruction is carried out by then."))
    instruction = models.CharField(max_length=20, choices=Instruction.choices, blank=True)
    instruction_note = models.TextField(blank=True)
    instruction_received_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["due_on"], name="clinic_instruction_waiting",
                                condition=Q(instruction_received_at__isnull=True))]
        constraints = [models.UniqueConstraint(fields=["case", "automated_system"],
                                               name="unique_clinic_instruction")]

    def __str__(self) -> str:
        return f"{self.clinic}: {self.automated_system} (case #{self.case_id})"


class AdmtAccessResponse(models.Model):
    """The ADMT access response assembled for a case from the register and the person's own outputs."""

    case = models.ForeignKey("requests_app.Case", on_delete=models.CASCADE, related_name="admt_access_responses")
    body = models.TextField()
    withheld = models.JSONField(default=list, blank=True,
                                help_text=_("What was withheld, from which system, on which ground and why."))
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"ADMT access response #{self.pk} (case #{self.case_id})"
