from django.urls import path

from consents import views

app_name = "consents"

urlpatterns = [
    path("", views.request_link, name="request_link"),
    path("p/<str:token>/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
