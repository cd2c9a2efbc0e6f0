from django.contrib import admin
from django.urls import include, path

from medprivacy import views

admin.site.site_header = "MedPrivacy — privacy requests"
admin.site.site_title = "MedPrivacy"
admin.site.index_title = "Privacy office"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("requests/", include("requests_app.urls")),
    path("fulfilment/", include("requests_app.fulfilment_urls")),
]
