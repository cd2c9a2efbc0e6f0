"""Public pages of the AI register (pre-use notices), included under /automated-decisions/."""

from django.urls import path

from admt import views

app_name = "admt"

urlpatterns = [
    path("", views.notices, name="notices"),
    path("<int:system_id>/", views.notice, name="notice"),
    path("<int:system_id>/v<int:version>/", views.notice, name="notice_version"),
]
