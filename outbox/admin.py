"""Admin of the outbox: the editable message templates, one per key and language, with their history.

The edit page is the template editor (docs/messages.md): the other languages' versions and the variables
the template may use beside the text, a preview with a sample case in any language and regime (a submit
button, no JavaScript), and a save refused when the text uses an unknown variable or leaves out a statement
the rules require. A key missing a language is flagged on the list and on its edit page: it is sent in
English until the translation is added.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from compliance.template_check import template_problems
from medprivacy.admin_base import ScopedHistoryAdmin
from medprivacy.languages import DEFAULT_LANGUAGE, language_choices, language_codes, language_name
from outbox import services
from outbox.defaults import DEFAULT_TEMPLATES
from outbox.models import MessageTemplate
from outbox.preview import Preview, template_preview
from outbox.variables import VARIABLE_HELP, template_variables, unknown_variables
from regimes.rules import REGIME_LABELS, REGIMES

PREVIEW_BUTTON = "_preview"


def _regime_choices() -> list[tuple[str, str]]:
    return [(code, str(REGIME_LABELS[code])) for code in REGIMES]


class MessageTemplateForm(forms.ModelForm):
    """Refuse a template that uses a variable its key does not provide, or leaves out a statement the rules
    require for its kind of message; carry the preview's language and regime."""

    preview_language = forms.ChoiceField(label=_("Preview in"), choices=language_choices, required=False)
    preview_regime = forms.ChoiceField(label=_("Preview under"), choices=_regime_choices, required=False)

    class Meta:
        model = MessageTemplate
        fields = ("description", "subject", "body_text", "body_html")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preview_language"].initial = self.instance.language or DEFAULT_LANGUAGE
        self.fields["preview_regime"].initial = "ccpa" if "ccpa" in REGIMES else REGIMES[0]

    def template_key(self) -> str:
        return self.instance.key

    def clean(self):
        cleaned = super().clean()
        key = self.template_key()
        if not key:
            return cleaned
        texts = (cleaned.get("subject", ""), cleaned.get("body_text", ""), cleaned.get("body_html", ""))
        problems = []
        unknown = unknown_variables(key=key, sources=texts)
        if unknown:
            problems.append(
                _("Unknown variables: %(unknown)s. This template may use only: %(allowed)s.") % {
                    "unknown": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                    "allowed": ", ".join(template_variables(key))})
        problems += template_problems(key=key, body_text=texts[1], body_html=texts[2])
        if problems:
            raise ValidationError(problems)
        return cleaned


class MessageTemplateAddForm(MessageTemplateForm):
    """A translation of a key into a language it is missing (the defaults seed every other row)."""

    key = forms.ChoiceField(choices=[])

    class Meta(MessageTemplateForm.Meta):
        fields = ("key", "language", "description", "subject", "body_text", "body_html")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(key, key) for key in sorted(DEFAULT_TEMPLATES)]

    def template_key(self) -> str:
        return self.cleaned_data.get("key", "")

    def clean_language(self) -> str:
        language = self.cleaned_data["language"]
        key = self.cleaned_data.get("key", "")
        if key and language not in services.template_languages(key):
            raise ValidationError(_("This message goes to an organization and is always sent in English."))
        return language


@admin.register(MessageTemplate)
class MessageTemplateAdmin(ScopedHistoryAdmin):
    form = MessageTemplateForm
    add_form = MessageTemplateAddForm
    change_form_template = "admin/outbox/messagetemplate/change_form.html"
    list_display = ("key", "language", "description", "subject", "translations", "updated_at")
    list_filter = ("language",)
    search_fields = ("key", "subject")
    readonly_fields = ("key", "language", "updated_at")
    ordering = ("key", "language")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("key", "language", "description", "subject", "body_text", "body_html")}),
                    (_("Preview"), {"fields": ("preview_language", "preview_regime")})]
        return [(None, {"fields": ("key", "language", "description", "subject", "body_text", "body_html",
                                   "updated_at")}),
                (_("Preview"), {"fields": ("preview_language", "preview_regime")})]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ("updated_at",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
            kwargs["fields"] = ("key", "language", "description", "subject", "body_text", "body_html",
                                "preview_language", "preview_regime")
        return super().get_form(request, obj, change=change, **kwargs)

    def get_queryset(self, request: HttpRequest):
        # Which languages each row's key is stored in, in the list's one query (no query per row).
        return super().get_queryset(request).annotate(**{
            f"mp_stored_{code}": Exists(MessageTemplate.objects.filter(key=OuterRef("key"), language=code))
            for code in language_codes()})

    @admin.display(description=_("Other languages"))
    def translations(self, obj: MessageTemplate) -> str:
        annotated = hasattr(obj, f"mp_stored_{DEFAULT_LANGUAGE}")  # else (not from the list) read them
        stored = [code for code in language_codes() if getattr(obj, f"mp_stored_{code}")] if annotated else None
        missing = (services.template_missing_languages(obj.key, stored=stored)
                   if obj.language == DEFAULT_LANGUAGE else [])
        if not missing:
            return "✓"
        return format_html('<span class="template-missing">{} {}</span>', _("Missing, sent in English:"),
                           ", ".join(language_name(code) for code in missing))

    def changelist_view(self, request, extra_context=None):
        services.templates_seed()  # every template the services send is listed, ready to edit
        missing = services.templates_missing_translations()
        if missing:
            messages.warning(request, format_html(
                "{} {}", _("Some templates have no translation and are sent in English instead:"),
                format_html_join(", ", "{} ({})", ((key, ", ".join(language_name(c) for c in langs))
                                                   for key, langs in missing.items()))))
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False

    # --- the editor: other languages, variables, preview ---------------------------------------------

    def _editor_context(self, key: str, language: str) -> dict:
        others = list(MessageTemplate.objects.filter(key=key).exclude(language=language).order_by("language"))
        missing = [code for code in services.template_missing_languages(key) if code != language]
        return {
            "other_versions": [(language_name(row.language), row) for row in others],
            "missing_languages": [(language_name(code),
                                   f"{reverse('admin:outbox_messagetemplate_add')}?key={key}&language={code}")
                                  for code in missing],
            "template_variables": [(name, VARIABLE_HELP.get(name, "")) for name in template_variables(key)],
            "preview_button": PREVIEW_BUTTON,
        }

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is None:
                raise Http404("No such template")
            extra_context.update(self._editor_context(obj.key, obj.language))
            if request.method == "POST" and PREVIEW_BUTTON in request.POST:
                return self._preview_view(request, obj, object_id, form_url, extra_context)
        else:
            key = request.GET.get("key", "")
            if key in DEFAULT_TEMPLATES:
                extra_context.update(self._editor_context(key, request.GET.get("language", "")))
            if request.method == "POST" and PREVIEW_BUTTON in request.POST:
                return self._preview_view(request, None, None, form_url, extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _preview_view(self, request: HttpRequest, obj, object_id, form_url: str, extra_context: dict):
        """Render the posted (unsaved) texts with a sample case; show the form again with the preview and
        any reason a save would be refused. Nothing is stored."""
        if not (self.has_change_permission(request, obj) if obj is not None else self.has_add_permission(request)):
            raise PermissionDenied
        form_class = self.get_form(request, obj, change=obj is not None)
        form = form_class(request.POST, instance=obj)
        form.is_valid()  # the refusals a save would give are shown with the preview
        key = obj.key if obj is not None else request.POST.get("key", "")
        data = form.data
        language = data.get("preview_language") or (obj.language if obj else DEFAULT_LANGUAGE)
        regime = data.get("preview_regime") or ""
        if key not in DEFAULT_TEMPLATES:
            preview = Preview(error=str(_("Choose a template key first.")))
        elif obj is None or language == obj.language:
            preview = template_preview(key=key, subject=data.get("subject", ""), body_text=data.get("body_text", ""),
                                       body_html=data.get("body_html", ""), language=language, regime=regime)
        else:  # another language's version of the same key, as stored (English where it has none)
            stored = services.template_for(key=key, language=language).template
            preview = template_preview(key=key, subject=stored.subject, body_text=stored.body_text,
                                       body_html=stored.body_html, language=stored.language, regime=regime)
            extra_context["preview_source"] = language_name(stored.language)
        fieldsets = list(self.get_fieldsets(request, obj))
        admin_form = helpers.AdminForm(form, fieldsets, {}, self.get_readonly_fields(request, obj),
                                       model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change message template") if obj is not None else _("Add message template"),
            "subtitle": str(obj) if obj is not None else None,
            "adminform": admin_form, "object_id": object_id, "original": obj, "is_popup": False,
            "to_field": None, "media": self.media + admin_form.media, "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []), "preserved_filters": self.get_preserved_filters(request),
            "preview": preview, "preview_language_name": language_name(language),
            "preview_regime_name": str(REGIME_LABELS.get(regime, REGIME_LABELS[REGIMES[0]])),
            **extra_context,
        }
        return self.render_change_form(request, context, add=obj is None, change=obj is not None, obj=obj,
                                       form_url=form_url)
