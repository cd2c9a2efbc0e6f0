"""Writes of the security app: setting up and confirming a staff user's second factor."""

from __future__ import annotations

import logging

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.twofactor import RECOVERY_CODES

logger = logging.getLogger(__name__)


def totp_device_start(*, user) -> TOTPDevice:
    """Return the user's unconfirmed authenticator device, created with a fresh key when missing."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm `device` with a code from the app; return new recovery codes, or None for a wrong code."""
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    codes = recovery_codes_reset(user=device.user)
    logger.info("second factor set up for user %s", device.user_id)
    return codes


@transaction.atomic
def recovery_codes_reset(*, user) -> list[str]:
    """Replace the user's recovery codes with new single-use ones; return them (shown once)."""
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes
