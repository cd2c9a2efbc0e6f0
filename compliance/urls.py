"""Public confirmation links, mounted under /requests/confirm/."""

from django.urls import path

from compliance import views

app_name = "compliance"

urlpatterns = [
    path("<str:token>/", views.confirm, name="confirm"),
]
