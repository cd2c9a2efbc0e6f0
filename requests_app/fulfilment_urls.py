"""Public fulfilment URLs, included under /fulfilment/ by medprivacy/urls.py."""

from django.urls import path

from requests_app import fulfilment_views

app_name = "fulfilment"

urlpatterns = [
    path("callback/<str:request_id>/", fulfilment_views.callback, name="callback"),
    path("package/<str:token>/", fulfilment_views.package_download, name="package"),
]
