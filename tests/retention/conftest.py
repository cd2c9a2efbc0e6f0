from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploaded files of retention tests go to a throw-away directory."""
    settings.STORAGES = {**settings.STORAGES,
                         "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                     "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None}}}
