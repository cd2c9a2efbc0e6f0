"""Admin for the DRP: supervisors register and revoke agents; officers see DRP details on the case page.

Thin: registration and revocation go through the services; requests and callbacks are read-only records.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from drp import services, signing
from drp.models import Agent, Callback, CallbackAttempt, DrpRequest
from medprivacy.admin_base import ReadOnlyAdmin, ScopedHistoryAdmin
from requests_app.admin import CaseAdmin, _CaseScopedInline


class AgentAddForm(forms.ModelForm):
    class Meta:
        model = Agent
        fields = ("agent_id", "name", "verify_key")
        help_texts = {"verify_key": _("The agent's Ed25519 verify key, base64 or hex (32 bytes).")}

    def clean_verify_key(self) -> str:
        try:
            return signing.key_as_base64(signing.parse_verify_key(self.cleaned_data["verify_key"]))
        except signing.BadVerifyKey as exc:
            raise forms.ValidationError(str(exc)) from None


@admin.register(Agent)
class AgentAdmin(ScopedHistoryAdmin):
    list_display = ("agent_id", "name", "active", "token_issued_at", "created_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("agent_id", "name")
    actions = ("revoke_selected",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = AgentAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("agent_id", "name", "verify_key", "token_prefix", "token_issued_at", "created_at", "revoked_at")

    def get_fields(self, request, obj=None):
        return ("agent_id", "name", "verify_key") if obj is None else self.get_readonly_fields(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: requests keep pointing at their agent

    def save_model(self, request: HttpRequest, obj: Agent, form, change: bool) -> None:
        if change:
            return
        # The form already refused a duplicate id and a bad key; the service writes the row and its history.
        registered = services.agent_register(agent_id=obj.agent_id, verify_key=obj.verify_key, name=obj.name,
                                             actor=request.user)
        obj.pk = registered.pk

    def save_form(self, request, form, change):
        return form.save(commit=False)

    @admin.display(description=_("active"), boolean=True)
    def active(self, obj: Agent) -> bool:
        return obj.is_active

    @admin.action(description=_("Revoke selected agents (their bearer tokens stop working)"))
    def revoke_selected(self, request: HttpRequest, queryset) -> None:
        count = 0
        for agent in queryset:
            if agent.is_active:
                services.agent_revoke(agent_id=agent.agent_id, actor=request.user)
                count += 1
        self.message_user(request, gettext("%(n)s agent(s) revoked.") % {"n": count}, messages.SUCCESS)


def claims_html(claims: dict[str, Any]) -> str:
    """The identity claims as a definition list (address objects flattened to one line)."""
    if not claims:
        return "—"
    rows = []
    for key, value in claims.items():
        if isinstance(value, dict):
            value = ", ".join(str(v) for k, v in value.items() if k != "formatted" and v) or value.get("formatted", "")
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        rows.append((key.replace("_", " "), value))
    return format_html("<dl class='mp-claims'>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows))


class DrpRequestInline(_CaseScopedInline):
    """On the case page of a request an agent filed: the agent, the claims, the callback state."""

    model = DrpRequest
    fk_name = "case"
    verbose_name = _("Data Rights Protocol request")
    verbose_name_plural = _("Data Rights Protocol request (filed by an authorized agent)")
    fields = ("agent", "request_id", "exercise", "regime", "relationships", "claims_shown", "status_callback",
              "revoked_at", "revoke_reason")
    readonly_fields = fields

    @admin.display(description=_("identity claims (as the agent attests them)"))
    def claims_shown(self, obj: DrpRequest) -> str:
        return claims_html(obj.claims)


CaseAdmin.inlines = (*CaseAdmin.inlines, DrpRequestInline)


@admin.register(DrpRequest)
class DrpRequestAdmin(ReadOnlyAdmin):
    list_display = ("request_id", "agent", "exercise", "regime", "case", "received_at", "revoked_at")
    list_filter = ("exercise", "regime", "agent")
    list_select_related = ("agent", "case")
    search_fields = ("=request_id", "=agent_request_id", "case__reference")
    fields = ("request_id", "agent", "agent_request_id", "exercise", "regime", "drp_version", "relationships",
              "claims_shown", "status_callback", "case", "refusal", "received_at", "revoked_at", "revoke_reason")
    readonly_fields = fields

    @admin.display(description=_("identity claims"))
    def claims_shown(self, obj: DrpRequest) -> str:
        return claims_html(obj.claims)


class CallbackAttemptInline(admin.TabularInline):
    model = CallbackAttempt
    extra = 0
    can_delete = False
    fields = ("number", "at", "http_status", "error", "duration_ms", "worker")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Callback)
class CallbackAdmin(ReadOnlyAdmin):
    list_display = ("pk", "drp_request", "state", "attempts", "next_attempt_at", "delivered_at", "last_error")
    list_filter = ("state",)
    list_select_related = ("drp_request",)
    fields = ("drp_request", "url", "payload", "state", "attempts", "next_attempt_at", "created_at", "delivered_at",
              "last_error")
    readonly_fields = fields
    inlines = (CallbackAttemptInline,)
