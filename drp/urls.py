"""The consumer's verification page for DRP requests, mounted under /drp/ (the API is medprivacy/api.py)."""

from django.urls import path

from drp import views

app_name = "drp"

urlpatterns = [
    path("verify/<uuid:request_id>/", views.verify, name="verify"),
]
