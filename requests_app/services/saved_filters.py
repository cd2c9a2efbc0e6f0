"""Saved case-list filters: an officer keeps the queries they use every day under a name, for themselves only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils.translation import gettext as _

from requests_app.models import SavedCaseFilter

MAX_SAVED_FILTERS = 30
# Parameters of the list that are not a filter: the page, the admin's popup/error markers.
_NOT_KEPT = frozenset({"p", "e", "_popup", "_to_field", "_changelist_filters"})


class SavedFilterRefused(Exception):
    """The filter cannot be saved; the message says why, for the officer."""


def saved_filter_query_clean(query: str) -> str:
    """Return the query string to keep: the list's filters without the page; refuse a searched e-mail address."""
    params = QueryDict(query.lstrip("?"), mutable=False)
    kept = [(key, value) for key in sorted(params) if key not in _NOT_KEPT
            for value in params.getlist(key) if value != ""]
    if any("@" in value for _key, value in kept):
        raise SavedFilterRefused(_("A saved filter cannot hold an e-mail address: it would keep a requester's "
                                   "personal data. Search for the address each time instead."))
    cleaned = urlencode(kept)
    if len(cleaned) > SavedCaseFilter._meta.get_field("query").max_length:
        raise SavedFilterRefused(_("These filters are too long to save."))
    return cleaned


def saved_filter_save(*, user: AbstractBaseUser, name: str, query: str) -> SavedCaseFilter:
    """Save the list's current query under `name` for `user` (the same name replaces the earlier one)."""
    name = " ".join(name.split())[:80]
    if not name:
        raise SavedFilterRefused(_("Give the filter a name."))
    cleaned = saved_filter_query_clean(query)
    with transaction.atomic():
        existing = SavedCaseFilter.objects.select_for_update().filter(user=user, name=name).first()
        if existing is not None:
            existing.query = cleaned
            existing._change_reason = "replaced"
            existing.save(update_fields=["query"])
            return existing
        if SavedCaseFilter.objects.filter(user=user).count() >= MAX_SAVED_FILTERS:
            raise SavedFilterRefused(_("You have %(n)d saved filters, the most there can be: delete one first.")
                                     % {"n": MAX_SAVED_FILTERS})
        try:
            with transaction.atomic():
                return SavedCaseFilter.objects.create(user=user, name=name, query=cleaned)
        except IntegrityError:  # saved twice at once: the other request's row stands
            raise SavedFilterRefused(_("A filter with this name was just saved; try again.")) from None


def saved_filter_delete(*, user: AbstractBaseUser, pk: int) -> bool:
    """Delete one of the user's own saved filters; another user's (or a missing) filter is left alone."""
    found = SavedCaseFilter.objects.filter(user=user, pk=pk).first()
    if found is None:
        return False
    found.delete()
    return True
