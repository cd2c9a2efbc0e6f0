"""History as officers read it: oldest first (like the case timeline and the conversation), in words.

A change names people by name (full name, else username; never a bare id) and choices by their label. Used by
`admin_base.ScopedHistoryAdmin` for every history page and by the case page's history table.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext_lazy as _

HIDDEN_HISTORY_FIELDS = frozenset({"updated_at"})


def user_display_name(user: AbstractBaseUser | None, *, default: str = "—") -> str:
    """Return how a person is named on officers' pages: full name, else username (never an id)."""
    if user is None:
        return default
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


def _user_fk_fields(model) -> set[str]:
    user_model = get_user_model()
    return {f.name for f in model._meta.fields if f.is_relation and f.related_model is user_model}


def history_value_text(field, value, *, users: Mapping[int, str]) -> str:
    """One side of a change in words: a person's name, a choice's label, "—" for nothing; never a bare id."""
    if value in (None, ""):
        return "—"
    if field is not None and field.is_relation and field.name in _user_fk_fields(field.model):
        return users.get(value, str(_("deleted user")))
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation:
        return f"#{value}"
    return str(value)


def history_changes(pairs: list[tuple], *, model) -> list[list[dict[str, str]]]:
    """For each (newer, older or None) pair of history records, the changes in words: field, old, new.

    One query reads every user named in any of the changes.
    """
    user_fields = _user_fk_fields(model)
    deltas = [newer.diff_against(older).changes if older is not None else [] for newer, older in pairs]
    user_ids = {value for delta in deltas for c in delta if c.field in user_fields
                for value in (c.old, c.new) if value is not None}
    users = {u.pk: user_display_name(u) for u in get_user_model().objects.filter(pk__in=user_ids)}
    result = []
    for delta in deltas:
        words = []
        for change in delta:
            if change.field in HIDDEN_HISTORY_FIELDS:
                continue
            field = model._meta.get_field(change.field)
            words.append({"field": str(field.verbose_name),
                          "old": history_value_text(field, change.old, users=users),
                          "new": history_value_text(field, change.new, users=users)})
        result.append(words)
    return result
