"""Public request pages, mounted under /requests/."""

from django.urls import path

from requests_app import views

app_name = "requests_app"

urlpatterns = [
    path("", views.request_form, name="request_form"),
    path("submitted/", views.request_submitted, name="request_submitted"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("status/<str:token>/", views.status, name="status"),
    path("status/<str:token>/confirm/", views.status_confirm, name="status_confirm"),
    path("status/<str:token>/reply/<str:reference>/", views.status_reply, name="status_reply"),
    path("status/<str:token>/withdraw/<str:reference>/", views.withdraw, name="withdraw"),
    path("new-link/", views.new_link, name="new_link"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
