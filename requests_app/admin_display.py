"""How a case reads on the officers' pages (the list, "my work"): short human labels and days left.

Presentation only: the codes and the public labels stay in `regimes/rules.py`; the days come from the stored
due date and the one clock (`medprivacy.clock`, through `selectors.case_today`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from medprivacy.history_display import history_changes, user_display_name
from regimes.rules import REGIME_ABBREVIATIONS, REGIME_LABELS, RIGHT_LABELS
from requests_app.selectors import DUE_SOON_DAYS

# Officers' short names of the rights, for narrow columns; the public form's longer labels are the fallback
# (a right added to the rules table reads correctly before it gets a short name here).
RIGHT_SHORT_LABELS: Mapping[str, str] = MappingProxyType({
    "access": _("Access"),
    "rectification": _("Correction"),
    "erasure": _("Deletion"),
    "restriction": _("Restriction"),
    "portability": _("Portability"),
    "objection": _("Objection"),
    "direct_marketing_objection": _("Marketing opt-out"),
    "withdraw_consent": _("Consent withdrawal"),
    "opt_out_sale_sharing": _("Sale/sharing opt-out"),
    "limit_sensitive": _("Limit sensitive data"),
    "disclosure": _("Shine the Light disclosure"),
    "appeal": _("Appeal"),
    "accounting": _("Accounting of disclosures"),
})


def right_short_label(right: str) -> str:
    return str(RIGHT_SHORT_LABELS.get(right) or RIGHT_LABELS.get(right, right))


def regime_short_html(regime: str) -> str:
    """The regime's abbreviation, with its full name as a tooltip and for screen readers."""
    return format_html('<abbr title="{}">{}</abbr>', REGIME_LABELS.get(regime, regime),
                       REGIME_ABBREVIATIONS.get(regime, regime))


def days_left(due_on: dt.date, *, today: dt.date) -> int:
    return (due_on - today).days


def days_left_html(*, due_on: dt.date, is_open: bool, paused: bool, today: dt.date, extended: bool = False) -> str:
    """Days left as words in a coloured badge: the colour repeats the words, it never replaces them."""
    if not is_open:
        return format_html('<span class="mp-days mp-days-closed">{}</span>', _("closed"))
    left = days_left(due_on, today=today)
    if left < 0:
        text = ngettext("%(n)d day overdue", "%(n)d days overdue", -left) % {"n": -left}
        tone = "overdue"
    elif left == 0:
        text, tone = str(_("due today")), "overdue"
    else:
        text = ngettext("%(n)d day left", "%(n)d days left", left) % {"n": left}
        tone = "soon" if left <= DUE_SOON_DAYS else "ok"
    if paused:
        text = f"{text} ({_('paused')})"
    elif extended:
        text = f"{text} ({_('extended')})"
    return format_html('<span class="mp-days mp-days-{}" data-days-left="{}" title="{}">{}</span>', tone, left,
                       _("due %(date)s") % {"date": due_on.isoformat()}, text)


# ---------------------------------------------------------------------------------------------------------
# The case page's history table: oldest first, like the timeline and the conversation; people by name
# ---------------------------------------------------------------------------------------------------------

def history_rows(records: list, *, model, limit: int = 20) -> list[dict]:
    """Turn history records (newest first, up to `limit` + 1) into rows oldest first, changes in words.

    Each row: at, who (display name), reason, type and `fields` ("assignee: — → Olivia Smith").
    """
    pairs = list(zip(records, records[1:] + [None], strict=True))[:limit]
    rows = []
    for (newer, _older), words in zip(pairs, history_changes(pairs, model=model), strict=True):
        rows.append({"at": newer.history_date, "who": user_display_name(newer.history_user, default="system"),
                     "reason": newer.history_change_reason or "", "type": newer.get_history_type_display(),
                     "fields": ", ".join(f"{w['field']}: {w['old']} → {w['new']}" for w in words)})
    rows.reverse()
    return rows
