"""Forms of the public request pages. They check the input; the rules come from the intake service."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from admt import selectors as admt_selectors
from regimes import deadlines
from regimes.rules import ADMT_RIGHTS
from regimes.statements import right_label
from requests_app.residence import country_choices, residence_label, us_region_choices
from requests_app.services.intake import (
    MAX_AUTHORIZATION_BYTES,
    IntakeRejected,
    authorization_kind,
    intake_problems,
    residence_problems,
)
from subjects.models import Relationship

_one_line = RegexValidator(r"^[^\x00-\x1f\x7f]*$", _("Use a single line without special characters."))



def _country_choices() -> list[tuple[str, str]]:
    return [("", _("Choose a country")), *country_choices()]  # names in the page's language


def _region_choices() -> list[tuple[str, str]]:
    return [("", _("I do not live in the United States")), *us_region_choices()]


# Fields that are a group of inputs: the error summary links to the first one.
_GROUPED = {"rights", "relationship"}


class SummaryMixin:
    """An error summary for the top of the page: one link per problem, to the field it is about."""

    def error_summary(self) -> list[dict[str, str]]:
        items = []
        for name, errors in self.errors.items():
            if name == "__all__":
                items += [{"anchor": "", "message": str(e)} for e in errors]
                continue
            anchor = f"id_{name}_0" if name in _GROUPED else f"id_{name}"
            items += [{"anchor": anchor, "message": str(e)} for e in errors]
        return items


class ResidenceForm(SummaryMixin, forms.Form):
    """Step one: where the requester lives decides which rights the form offers."""

    country = forms.ChoiceField(
        label=_("Country where you live"), choices=_country_choices,
        error_messages={"required": _("Choose the country where you live."),
                        "invalid_choice": _("Choose the country where you live from the list.")},
    )
    subdivision = forms.ChoiceField(
        label=_("US state or region"), required=False, choices=_region_choices,
        help_text=_("Only if you live in the United States."),
        error_messages={"invalid_choice": _("Choose the US state or region from the list.")},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        country = cleaned.get("country")
        if country is None:
            return cleaned
        if country != "US":
            cleaned["subdivision"] = ""  # a state picked before the country changed is simply ignored
        for field, message in residence_problems(country=country, subdivision=cleaned.get("subdivision", "")).items():
            self.add_error(field, message)
        return cleaned


class IntakeForm(SummaryMixin, forms.Form):
    """Step two: the request itself, for a residence already chosen."""

    rights = forms.MultipleChoiceField(
        label=_("What do you want us to do?"), widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or more. Each becomes its own request with its own reference."),
        error_messages={"required": _("Choose at least one thing you want us to do."),
                        "invalid_choice": _("That choice is not available where you live. Choose from the list "
                                            "shown.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=200, validators=[_one_line],
                                error_messages={"required": _("Enter your full name.")})
    email = forms.EmailField(label=_("E-mail address"), max_length=254,
                             help_text=_("We send a link to this address to confirm the request is yours."),
                             error_messages={"required": _("Enter your e-mail address."),
                                             "invalid": _("Enter an e-mail address like name@example.com.")})
    relationship = forms.ChoiceField(label=_("How do you know us?"), widget=forms.RadioSelect,
                                     choices=Relationship.choices,
                                     error_messages={"required": _("Choose how you know us."),
                                                     "invalid_choice": _("Choose how you know us from the list.")})
    birth_date = forms.DateField(
        label=_("Your date of birth (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Only if you want to tell us. The law protects children's information more: for example, we "
                  "need a parent's permission before a child under 13 can allow the sale of their information."),
        error_messages={"invalid": _("Enter a date of birth like 2010-05-31.")})
    clinic_name = forms.CharField(
        label=_("Clinic or organization that gave us your information"), required=False, max_length=200,
        validators=[_one_line], help_text=_("Needed if you are a patient whose images a clinic sent us."))
    details = forms.CharField(label=_("Anything else we should know (optional)"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("For example, accounts or services you used. Do not send medical records."))
    correction_wrong = forms.CharField(label=_("Which information is wrong?"), required=False, max_length=2000,
                                       widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text=_("Needed if you ask us to correct information."))
    correction_right = forms.CharField(label=_("What should it say?"), required=False, max_length=2000,
                                       widget=forms.Textarea(attrs={"rows": 3}),
                                       help_text=_("Needed if you ask us to correct information."))
    appeal_reference = forms.CharField(
        label=_("Reference of the decision you appeal"), required=False, max_length=20, validators=[_one_line],
        help_text=_("Needed if you appeal our decision: the reference in our decision e-mail, e.g. DSR-2026-000123."))
    admt_system = forms.TypedChoiceField(
        label=_("Which automated system? (optional)"), required=False, coerce=int, empty_value=None,
        help_text=_("Only for a request about automated decisions: leave it empty to cover every system."),
        error_messages={"invalid_choice": _("Choose the automated system from the list.")})
    is_agent = forms.BooleanField(label=_("I am an authorized agent making this request for someone else"),
                                  required=False)
    agent_name = forms.CharField(label=_("Agent's name"), required=False, max_length=200, validators=[_one_line])
    agent_email = forms.EmailField(label=_("Agent's e-mail address"), required=False, max_length=254,
                                   error_messages={"invalid": _("Enter an e-mail address like name@example.com.")})
    authorization = forms.FileField(
        label=_("Authorization signed by the person you act for"), required=False,
        help_text=format_lazy(_("PDF, PNG or JPEG, at most {megabytes} MB."),
                              megabytes=MAX_AUTHORIZATION_BYTES // (1024 * 1024)),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/png,image/jpeg"}),
        error_messages={"invalid": _("The file could not be read. Upload it again."),
                        "empty": _("The file is empty. Upload the signed authorization.")},
    )
    declaration = forms.BooleanField(
        label=_("I confirm that the information in this request is true, and that I am the person it is about "
              "or am authorized to act for them."),
        error_messages={"required": _("Tick the declaration to send your request.")},
    )
    # Honeypot: hidden from people (and screen readers); bots fill every field they find.
    website = forms.CharField(label=_("Leave this field empty"), required=False,
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args: Any, country: str, subdivision: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.country, self.subdivision = country, subdivision
        self.residence = residence_label(country, subdivision)
        # Patients' rights (e.g. an accounting of disclosures) are listed too; intake refuses them to non-patients.
        # The automated-decision rights only where the AI register has a system they reach.
        self.fields["rights"].choices = [
            (right, right_label(right, gettext=gettext))
            for right in admt_selectors.rights_relevant(
                rights=deadlines.rights_offered(country, subdivision or None, is_patient=True))
        ]
        systems = admt_selectors.opt_out_choices() if set(dict(self.fields["rights"].choices)) & ADMT_RIGHTS else []
        self.fields["admt_system"].choices = [("", "Every automated system"),
                                              *((system.pk, system.public_name) for system in systems)]
        self.offers_admt_system = bool(systems)
        self.offers_appeal = any(right == "appeal" for right, _ in self.fields["rights"].choices)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()

    def clean_authorization(self):
        upload = self.cleaned_data.get("authorization")
        if upload is None or not self.data.get("is_agent"):
            return None  # a file sent without ticking "agent" is ignored, never stored
        try:
            authorization_kind(upload)
        except IntakeRejected as exc:
            raise forms.ValidationError(exc.problems["authorization"]) from None
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        problems = intake_problems(
            rights=cleaned.get("rights") or [], email=cleaned.get("email", ""),
            relationship=cleaned.get("relationship", ""), country=self.country, subdivision=self.subdivision,
            is_agent=bool(cleaned.get("is_agent")), agent_name=cleaned.get("agent_name", ""),
            agent_email=cleaned.get("agent_email", ""),
            has_authorization=bool(cleaned.get("authorization")) or "authorization" in self.errors,
            correction_wrong=cleaned.get("correction_wrong", ""),
            correction_right=cleaned.get("correction_right", ""), clinic_name=cleaned.get("clinic_name", ""),
            declaration_accepted=bool(cleaned.get("declaration")),
            admt_system_ids=[cleaned["admt_system"]] if cleaned.get("admt_system") else [],
        )
        for field, message in problems.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
            elif field not in self.fields:
                self.add_error(None, message)
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        """Return the keyword arguments of `submission_create` for this valid form."""
        data = self.cleaned_data
        return {
            "rights": data["rights"], "full_name": data["full_name"], "email": data["email"],
            "relationship": data["relationship"], "country": self.country, "subdivision": self.subdivision,
            "details": data["details"], "correction_wrong": data["correction_wrong"],
            "correction_right": data["correction_right"], "is_agent": data["is_agent"],
            "agent_name": data["agent_name"], "agent_email": data["agent_email"],
            "authorization": data.get("authorization"), "clinic_name": data["clinic_name"],
            "declaration_accepted": data["declaration"], "appeal_reference": data["appeal_reference"],
            "birth_date": data.get("birth_date"),
            "admt_system_ids": [data["admt_system"]] if data.get("admt_system") else [],
        }


class NewLinkForm(SummaryMixin, forms.Form):
    email = forms.EmailField(label=_("E-mail address you used for your request"), max_length=254,
                             error_messages={"required": _("Enter your e-mail address."),
                                             "invalid": _("Enter an e-mail address like name@example.com.")})


class ConfirmationForm(forms.Form):
    """The consumer's answer on a confirmation link: a declaration needs their typed name to be signed."""

    answer = forms.ChoiceField(choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect,
                               error_messages={"required": _("Choose Yes or No."),
                                               "invalid_choice": _("Choose Yes or No.")})
    signed_name = forms.CharField(label=_("Type your full name to sign"), required=False, max_length=200)

    def __init__(self, *args: Any, needs_signature: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.needs_signature = needs_signature
        if not needs_signature:
            del self.fields["signed_name"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.needs_signature and cleaned.get("answer") == "yes" and not cleaned.get("signed_name", "").strip():
            self.add_error("signed_name", _("Type your full name to sign the declaration."))
        return cleaned
