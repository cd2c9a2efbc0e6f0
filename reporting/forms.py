"""The report page's period and regime choice."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from regimes.rules import REGIME_LABELS, REGIMES


class ReportForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=2100,
                              help_text=_("A calendar year; or leave empty and give a date range."))
    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    regime = forms.ChoiceField(required=False, choices=[("", _("All regimes")),
                                                        *((code, REGIME_LABELS[code]) for code in REGIMES)])

    def __init__(self, *args, today: dt.date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        data = super().clean()
        year, start, end = data.get("year"), data.get("start"), data.get("end")
        if year and (start or end):
            raise forms.ValidationError(gettext("Give a year or a date range, not both."))
        if not year and bool(start) != bool(end):
            raise forms.ValidationError(gettext("A date range needs both a start and an end."))
        if not year and not start:
            year = self.today.year
        if year:
            start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
        if end < start:
            raise forms.ValidationError(gettext("The end of the range is before its start."))
        if (end - start).days > 3 * 366:
            raise forms.ValidationError(gettext("Choose a range of at most three years."))
        data.update(start=start, end=end, regime=data.get("regime") or None)
        return data
