"""Who must give a second factor (django-otp TOTP, with static recovery codes) and whether they have.

Supervisors (recognised by the permission to see every case) and superusers always need one when
MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS is on (the default); officers when
MEDPRIVACY_2FA_REQUIRED_FOR_OFFICERS is on. Anyone who has set up a device must use it. The demo accounts
of a local DEBUG run (./run.sh) are exempt so a newcomer logs in with the printed password alone.
"""

from __future__ import annotations

from django.conf import settings
from django_otp import devices_for_user, user_has_device

from medprivacy import access

# Pages a user reaches before the second factor: logging in and out, and the 2FA pages themselves.
EXEMPT_PREFIXES = ("/admin/login/", "/admin/logout/", "/admin/2fa/", "/admin/jsi18n/")
RECOVERY_CODES = 10


def is_supervisor(user) -> bool:
    return access.user_is_supervisor(user=user)  # by permission, through the one permission layer


def second_factor_required(user) -> bool:
    """Return whether `user` must give a second factor before using the admin."""
    if not user.is_authenticated or not user.is_staff:
        return False
    if user.username in settings.MEDPRIVACY_2FA_EXEMPT_USERNAMES:
        return False
    if has_device(user):
        return True
    if is_supervisor(user):
        return settings.MEDPRIVACY_2FA_REQUIRED_FOR_SUPERVISORS
    return settings.MEDPRIVACY_2FA_REQUIRED_FOR_OFFICERS


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def is_verified(user) -> bool:
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


def second_factor_missing(user) -> bool:
    return second_factor_required(user) and not is_verified(user)


def confirmed_devices(user) -> list:
    return list(devices_for_user(user, confirmed=True))
