from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from consents import views as consents_views
from medprivacy import views
from medprivacy.api import api
from requests_app import views as requests_views

admin.site.site_header = _("MedPrivacy — privacy requests")
admin.site.site_title = "MedPrivacy"
admin.site.index_title = _("Privacy office")

urlpatterns = [
    path("", requests_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The language switcher posts here (Django's set_language: sets the cookie, back to the same page). Without
    # a CSRF token: a token in the switcher would put one (and a CSRF cookie) on every public page, making pages
    # that must be identical for known and unknown addresses differ; a forged post can only change a language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/reports/", include("reporting.urls")),
    path("admin/", admin.site.urls),
    path("requests/", include("requests_app.urls")),
    path("privacy-choices/", include("consents.urls")),
    path(".well-known/gpc.json", consents_views.gpc_json, name="gpc_json"),
    path("fulfilment/", include("fulfilment.urls")),
    path("automated-decisions/", include("admt.urls")),
    path("drp/", include("drp.urls")),
    # The JSON API (django-ninja): the consent API, the Data Rights Protocol (/v1/…) and /api/openapi.json.
    path("", api.urls),
]
