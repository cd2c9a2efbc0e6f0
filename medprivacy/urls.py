from django.contrib import admin
from django.urls import include, path

from consents import views as consents_views
from medprivacy import views

admin.site.site_header = "MedPrivacy — privacy requests"
admin.site.site_title = "MedPrivacy"
admin.site.index_title = "Privacy office"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/reports/", include("reporting.urls")),
    path("admin/", admin.site.urls),
    path("requests/", include("requests_app.urls")),
    path("privacy-choices/", include("consents.urls")),
    path(".well-known/gpc.json", consents_views.gpc_json, name="gpc_json"),
    path("api/consents/v1/permitted", consents_views.api_permitted, name="consents_api_permitted"),
    path("fulfilment/", include("fulfilment.urls")),
]
