"""Admin of the Consents app: thin, querysets from selectors, writes through services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from consents import selectors, services
from consents.models import ApiToken, ConsentEvent, ConsentState, Default, NoticeVersion, Purpose
from medprivacy.admin_base import ReadOnlyAdmin, ScopedHistoryAdmin
from regimes.deadlines import REGIMES

PROOF_PERMISSION = "consents.view_consentevent"


class PurposeForm(forms.ModelForm):
    class Meta:
        model = Purpose
        fields = ("code", "label", "description", "lawful_basis", "lawful_basis_note", "regime_defaults",
                  "minor_rule", "request_rights", "honors_gpc", "display_order", "is_active")

    def clean_regime_defaults(self) -> dict[str, str]:
        value = self.cleaned_data["regime_defaults"]
        if not isinstance(value, dict) or selectors.DEFAULT_KEY not in value:
            raise forms.ValidationError(f'Give an object with at least a "{selectors.DEFAULT_KEY}" entry.')
        allowed = {*REGIMES, selectors.DEFAULT_KEY}
        for regime, default in value.items():
            if regime not in allowed:
                raise forms.ValidationError(f"Unknown regime {regime!r}; known: {', '.join(sorted(allowed))}.")
            if default not in Default.values:
                raise forms.ValidationError(f"{regime}: use {' or '.join(Default.values)}, not {default!r}.")
        return value

    def clean_request_rights(self) -> list[str]:
        value = self.cleaned_data["request_rights"] or []
        if not isinstance(value, list) or any(right not in services.CONSENT_RIGHTS for right in value):
            raise forms.ValidationError(f"Give a list of rights among: {', '.join(services.CONSENT_RIGHTS)}.")
        return value


@admin.register(Purpose)
class PurposeAdmin(ScopedHistoryAdmin):
    form = PurposeForm
    list_display = ("code", "label", "lawful_basis", "minor_rule", "honors_gpc", "is_active", "display_order")
    list_filter = ("lawful_basis", "is_active", "honors_gpc")
    search_fields = ("code", "label")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the ledger points at purposes; deactivate instead

    def save_model(self, request: HttpRequest, obj: Purpose, form, change: bool) -> None:
        obj._change_reason = "Changed in the admin" if change else "Created in the admin"
        super().save_model(request, obj, form, change)


@admin.register(NoticeVersion)
class NoticeVersionAdmin(ScopedHistoryAdmin):
    list_display = ("purpose", "version", "effective_at", "created_at")
    list_filter = ("purpose",)
    list_select_related = ("purpose",)
    fields = ("purpose", "version", "text", "effective_at")
    readonly_fields = ("version",)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # a published notice is what people agreed to: publish a new version instead

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: NoticeVersion, form, change: bool) -> None:
        published = services.notice_version_publish(purpose=obj.purpose, text=obj.text,
                                                    effective_at=obj.effective_at, actor=request.user)
        obj.pk, obj.version, obj.created_at = published.pk, published.version, published.created_at
        obj._state.adding = False




@admin.register(ConsentEvent)
class ConsentEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "holder", "purpose", "kind", "source", "notice_version", "dsr_reference")
    list_filter = ("purpose", "source", "kind", ("at", admin.DateFieldListFilter))
    date_hierarchy = "at"
    search_fields = ("=subject__email", "=dsr_reference", "=subject__id")
    list_select_related = ("purpose", "notice_version", "subject")
    show_full_result_count = False  # the ledger is large; counting it on every page is slow

    def get_queryset(self, request: HttpRequest):
        return selectors.ledger_queryset(user=request.user)

    @admin.display(description=_("Who"))
    def holder(self, obj: ConsentEvent) -> str:
        if obj.subject_id is None:
            return f"browser {obj.browser_id[:8]}…"
        url = reverse("admin:consents_proof", args=[obj.subject_id])
        return format_html('<a href="{}">Subject #{} — ledger and proof</a>', url, obj.subject_id)

    def get_urls(self):
        extra = [
            path("subject/<int:subject_id>/proof/", self.admin_site.admin_view(self.proof_view), name="consents_proof"),
            path("subject/<int:subject_id>/proof.json", self.admin_site.admin_view(self.proof_json),
                 name="consents_proof_json"),
        ]
        return extra + super().get_urls()

    def _proof(self, request: HttpRequest, subject_id: int) -> dict:
        if not request.user.has_perm(PROOF_PERMISSION):
            raise PermissionDenied
        subject = selectors.subject_for_proof(user=request.user, subject_id=subject_id)
        if subject is None:  # unknown, erased, or a person of none of this officer's cases: the same answer
            raise Http404("No such data subject")
        return selectors.consent_proof(subject)

    def proof_view(self, request: HttpRequest, subject_id: int) -> HttpResponse:
        """Show a subject's full ledger as a printable proof of consent."""
        proof = self._proof(request, subject_id)
        context = {**self.admin_site.each_context(request),
                   "title": gettext("Consent ledger and proof — subject #%(id)s") % {"id": subject_id},
                   "proof": proof, "subject_id": subject_id, "opts": self.model._meta,
                   "json_url": reverse("admin:consents_proof_json", args=[subject_id])}
        return TemplateResponse(request, "admin/consents/proof.html", context)

    def proof_json(self, request: HttpRequest, subject_id: int) -> JsonResponse:
        """Download the proof of consent as JSON."""
        proof = self._proof(request, subject_id)
        response = JsonResponse(proof, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="consent-proof-subject-{subject_id}.json"'
        return response


@admin.register(ConsentState)
class ConsentStateAdmin(ScopedHistoryAdmin, ReadOnlyAdmin):
    list_display = ("id", "subject", "browser_id", "purpose", "state", "changed_at")
    list_filter = ("purpose", "state")
    search_fields = ("=subject__email", "=subject__id")
    list_select_related = ("purpose", "subject")
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest):
        return selectors.state_queryset(user=request.user)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "created_at", "revoked_at")
    fields = ("name", "prefix", "created_at", "revoked_at")
    actions = ("revoke",)

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return ("name", "prefix", "created_at", "revoked_at") if obj else ("prefix", "created_at", "revoked_at")

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # revoke instead, so the name stays known

    def save_model(self, request: HttpRequest, obj: ApiToken, form, change: bool) -> None:
        if change:
            return
        token, raw = services.api_token_create(name=obj.name)
        obj.pk, obj.token_hash, obj.prefix, obj.created_at = token.pk, token.token_hash, token.prefix, token.created_at
        obj._state.adding = False
        # Shown once on the next page itself (response_add), never through message storage.
        request._medprivacy_raw_token = raw

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue=None):
        raw = getattr(request, "_medprivacy_raw_token", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        response = TemplateResponse(request, "admin/consents/apitoken/created.html", {
            **self.admin_site.each_context(request), "title": gettext("API token created"), "token": obj, "raw": raw,
            "opts": self.opts,
        })
        add_never_cache_headers(response)
        return response

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        revoked = sum(services.api_token_revoke(token=token) for token in queryset)
        self.message_user(request, gettext("Revoked %(n)s token(s).") % {"n": revoked})
