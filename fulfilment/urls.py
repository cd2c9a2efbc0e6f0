"""Public fulfilment URLs, included under /fulfilment/ by medprivacy/urls.py."""

from django.urls import path

from fulfilment import views as fulfilment_views

app_name = "fulfilment"

urlpatterns = [
    path("callback/<str:request_id>/", fulfilment_views.callback, name="callback"),
    path("package/<str:token>/", fulfilment_views.package_download, name="package"),
]
