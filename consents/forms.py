"""Forms of the public consent pages: validation only, no writes."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consents.models import Purpose

ALLOW, DENY = "allow", "deny"


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class PreferencesForm(forms.Form):
    """One allow/deny choice per purpose; a purpose left out is left as it is."""

    def __init__(self, *args, purposes: Iterable[Purpose], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.purposes = list(purposes)
        for purpose in self.purposes:
            self.fields[f"purpose_{purpose.code}"] = forms.ChoiceField(
                label=purpose.label, required=False, widget=forms.RadioSelect,
                choices=[(ALLOW, _("Yes, allow this")), (DENY, _("No, do not"))],
            )
        # Optional: a known child's own "allow" does not count where a parent must agree (CCPA §1798.120(c)).
        self.fields["birth_date"] = forms.DateField(
            label=_("Your date of birth (optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
            help_text=_("Only if you want to tell us: children's choices are protected more (a parent must agree "
                        "before we sell or share the information of a child under 13)."),
            error_messages={"invalid": _("Enter a date of birth like 2010-05-31.")})

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value is not None and value > timezone.now().date():
            raise forms.ValidationError(_("A date of birth cannot be in the future."))
        return value

    def choices(self) -> list[tuple[Purpose, bool]]:
        """Return (purpose, allow) for each purpose the person answered."""
        out = []
        for purpose in self.purposes:
            value = self.cleaned_data.get(f"purpose_{purpose.code}")
            if value:
                out.append((purpose, value == ALLOW))
        return out
