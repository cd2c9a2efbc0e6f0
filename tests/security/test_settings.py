"""Settings the platform items add: links follow ./run.sh's port; production exempts nobody from 2FA."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

PRINT = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'medprivacy.settings'); django.setup();" \
        "from django.conf import settings as s; print(s.SITE_URL, s.MEDPRIVACY_2FA_EXEMPT_USERNAMES)"


def _settings_output(**env: str) -> str:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "MEDPRIVACY_SITE_URL", "MEDPRIVACY_PORT"))}
    result = subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**base, "DJANGO_ENV_FILE": "/nonexistent/.env", "DJANGO_DEBUG": "true", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_links_in_e_mails_follow_the_port_run_sh_was_started_on():
    assert _settings_output(MEDPRIVACY_PORT="8123").startswith("http://127.0.0.1:8123 ")
    assert _settings_output().startswith("http://127.0.0.1:8000 ")
    assert _settings_output(MEDPRIVACY_PORT="8123", MEDPRIVACY_SITE_URL="https://privacy.example.com").startswith(
        "https://privacy.example.com ")


def test_only_a_debug_run_exempts_the_demo_accounts_from_the_second_factor():
    assert "supervisor" in _settings_output()
    production = _settings_output(DJANGO_DEBUG="false", DJANGO_SECRET_KEY="k" * 40 + "x8Qv2-LmZp4Rt7")
    assert production.endswith(" ()")
