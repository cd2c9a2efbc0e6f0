"""Build the deadline engine's Conventions from settings (the one Django-aware bridge to it)."""

from __future__ import annotations

import functools

from django.conf import settings

from regimes.deadlines import Conventions


@functools.cache
def _cached(items: tuple[tuple[str, str], ...]) -> Conventions:
    return Conventions(**dict(items))


def current_conventions() -> Conventions:
    """Return the conventions configured in settings.MEDPRIVACY_CONVENTIONS."""
    return _cached(tuple(sorted(settings.MEDPRIVACY_CONVENTIONS.items())))
