"""Forms of the public consent pages: validation only, no writes."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms

from consents.models import Purpose

ALLOW, DENY = "allow", "deny"


class EmailForm(forms.Form):
    email = forms.EmailField(label="Your e-mail address", max_length=254)

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
                choices=[(ALLOW, "Yes, allow this"), (DENY, "No, do not")],
            )

    def choices(self) -> list[tuple[Purpose, bool]]:
        """Return (purpose, allow) for each purpose the person answered."""
        out = []
        for purpose in self.purposes:
            value = self.cleaned_data.get(f"purpose_{purpose.code}")
            if value:
                out.append((purpose, value == ALLOW))
        return out
