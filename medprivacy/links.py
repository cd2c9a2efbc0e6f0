"""Absolute URLs for links that leave the site (e-mails, webhook callbacks)."""

from __future__ import annotations

from django.conf import settings


def absolute(path: str) -> str:
    """Return `path` on the configured public site URL."""
    return f"{settings.SITE_URL}{path}"
