"""Officer login: lockout after repeated wrong passwords (django-axes), the second factor (django-otp)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import twofactor
from tests.factories import officer, supervisor

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/?next=/admin/"


def _login(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def _current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def test_repeated_wrong_passwords_lock_the_login_with_a_clear_message(settings):
    settings.AXES_FAILURE_LIMIT = 5
    officer("olivia")
    client = Client(REMOTE_ADDR="198.51.100.40")
    for _ in range(4):
        assert _login(client, "olivia", "wrong password").status_code == 200  # the form again
    locked = _login(client, "olivia", "wrong password")
    assert locked.status_code == 429
    assert "Too many failed login attempts" in locked.content.decode()
    # Even the right password does not get in during the cool-off.
    right = _login(client, "olivia", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    # Another client (another address) is not locked out of its own attempts.
    other = Client(REMOTE_ADDR="203.0.113.41")
    assert _login(other, "olivia", PASSWORD).status_code == 302


def test_a_supervisor_must_set_up_and_give_a_second_factor(settings):
    settings.MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS = True
    # django-otp makes a device wait after a wrong code; this test sends the right one right away.
    settings.OTP_TOTP_THROTTLE_FACTOR = settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.MEDPRIVACY_2FA_EXEMPT_USERNAMES = ()
    sam = supervisor("sam")
    client = Client()
    assert _login(client, "sam", PASSWORD).status_code == 302
    # The password alone does not open the admin: setup first.
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:security_setup"))
    assert client.get("/admin/requests_app/case/").status_code == 302
    setup = client.get(reverse("admin:security_setup"))
    assert setup.status_code == 200
    key = re.search(r'<code class="otp-key">([A-Z2-7=]+)</code>', setup.content.decode()).group(1)
    device = TOTPDevice.objects.get(user=sam, confirmed=False)
    assert key  # the base32 key to type into the app
    wrong = client.post(reverse("admin:security_setup"), {"token": "000000" if _current_code(device) != "000000"
                                                          else "111111"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    done = client.post(reverse("admin:security_setup"), {"token": _current_code(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())
    assert len(codes) == twofactor.RECOVERY_CODES
    assert client.get("/admin/").status_code == 200

    # Next session: password, then a recovery code (each works once).
    fresh = Client()
    assert _login(fresh, "sam", PASSWORD).status_code == 302
    assert fresh.get("/admin/")["Location"].startswith(reverse("admin:security_verify"))
    assert fresh.post(reverse("admin:security_verify"), {"token": "not-a-code"}).status_code == 400
    assert fresh.get("/admin/").status_code == 302
    assert fresh.post(reverse("admin:security_verify"), {"token": codes[0], "next": "/admin/"}).status_code == 302
    assert fresh.get("/admin/").status_code == 200
    again = Client()
    _login(again, "sam", PASSWORD)
    assert again.post(reverse("admin:security_verify"), {"token": codes[0]}).status_code == 400  # used up


def test_officers_need_the_second_factor_only_when_the_setting_says_so(settings):
    settings.MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS = True
    settings.MEDPRIVACY_2FA_EXEMPT_USERNAMES = ()
    officer("olivia")
    client = Client()
    _login(client, "olivia", PASSWORD)
    assert client.get("/admin/").status_code == 200
    settings.MEDPRIVACY_2FA_REQUIRED_FOR_OFFICERS = True
    assert client.get("/admin/")["Location"].startswith(reverse("admin:security_setup"))


def test_demo_accounts_skip_the_second_factor_only_when_listed(settings):
    settings.MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS = True
    settings.MEDPRIVACY_2FA_EXEMPT_USERNAMES = ()  # production
    supervisor("supervisor")
    client = Client()
    _login(client, "supervisor", PASSWORD)
    assert client.get("/admin/").status_code == 302
    settings.MEDPRIVACY_2FA_EXEMPT_USERNAMES = ("supervisor",)  # what DEBUG local runs set
    assert client.get("/admin/").status_code == 200

