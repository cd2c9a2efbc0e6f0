"""The consumer's answer on a confirmation link."""

from __future__ import annotations

from django import forms


class ConfirmationForm(forms.Form):
    answer = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect,
                               error_messages={"required": "Choose Yes or No.",
                                               "invalid_choice": "Choose Yes or No."})
    signed_name = forms.CharField(label="Type your full name to sign", required=False, max_length=200)

    def __init__(self, *args, needs_signature: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.needs_signature = needs_signature
        if not needs_signature:
            del self.fields["signed_name"]

    def clean(self):
        cleaned = super().clean()
        if self.needs_signature and cleaned.get("answer") == "yes" and not cleaned.get("signed_name", "").strip():
            self.add_error("signed_name", "Type your full name to sign the declaration.")
        return cleaned
