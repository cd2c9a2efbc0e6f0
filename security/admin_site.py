"""The admin site of the portal: Django's, plus the second-factor pages (set up, verify)."""

from __future__ import annotations

import base64
import logging

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import match_token

from security import ratelimit, services, twofactor

logger = logging.getLogger(__name__)


class SecureAdminSite(admin.AdminSite):
    """Django's admin site that also requires the second factor where `security.twofactor` says so."""

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not twofactor.second_factor_missing(request.user)

    def get_urls(self):
        return [
            path("2fa/setup/", self.twofactor_setup_view, name="security_setup"),
            path("2fa/verify/", self.twofactor_verify_view, name="security_verify"),
            *super().get_urls(),
        ]

    def _next(self, request: HttpRequest) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
            return target
        return reverse("admin:index", current_app=self.name)

    def _staff_or_login(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return redirect(f"{reverse('admin:login', current_app=self.name)}?next={request.path}")
        return None

    def _context(self, request: HttpRequest, **extra) -> dict:
        return {**self.each_context(request), "next": self._next(request), **extra}

    @method_decorator(never_cache)
    @method_decorator(sensitive_post_parameters("token"))
    def twofactor_setup_view(self, request: HttpRequest) -> HttpResponse:
        """Set up an authenticator app: show its key, confirm with a first code, show recovery codes once."""
        if (answer := self._staff_or_login(request)) is not None:
            return answer
        if twofactor.has_device(request.user):
            return redirect(reverse("admin:security_verify", current_app=self.name))
        device = services.totp_device_start(user=request.user)
        error = ""
        if request.method == "POST":
            ratelimit.rate_limit_enforce(request, scope="admin.2fa", value=f"user:{request.user.pk}")
            codes = services.totp_device_confirm(device=device, token=request.POST.get("token", "").strip())
            if codes is not None:
                otp_login(request, device)
                return TemplateResponse(request, "security/2fa_recovery_codes.html",
                                        self._context(request, title=_("Your recovery codes"), codes=codes))
            error = _("That code is not right. Check the clock of your phone and enter the current code.")
        key = base64.b32encode(device.bin_key).decode()
        return TemplateResponse(request, "security/2fa_setup.html", self._context(
            request, title=_("Set up two-factor authentication"), key=key, config_url=device.config_url,
            error=error), status=400 if error else 200)

    @method_decorator(never_cache)
    @method_decorator(sensitive_post_parameters("token"))
    def twofactor_verify_view(self, request: HttpRequest) -> HttpResponse:
        """Ask for the current authenticator code (or a recovery code) after the password."""
        if (answer := self._staff_or_login(request)) is not None:
            return answer
        if not twofactor.has_device(request.user):
            return redirect(reverse("admin:security_setup", current_app=self.name))
        error = ""
        if request.method == "POST":
            ratelimit.rate_limit_enforce(request, scope="admin.2fa", value=f"user:{request.user.pk}")
            device = match_token(request.user, request.POST.get("token", "").strip().replace(" ", ""))
            if device is not None:
                otp_login(request, device)
                return redirect(self._next(request))
            logger.info("second factor refused for user %s", request.user.pk)
            error = _("That code is not right. Enter the current code from your app, or one of your recovery "
                      "codes.")
        return TemplateResponse(request, "security/2fa_verify.html", self._context(
            request, title=_("Two-factor authentication"), error=error), status=400 if error else 200)
