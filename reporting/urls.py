"""Reporting pages inside the admin (login, staff and CSRF through `admin_view`)."""

from django.contrib import admin
from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("privacy-metrics/", admin.site.admin_view(views.metrics_report), name="metrics"),
    path("cases.csv", admin.site.admin_view(views.case_list_csv), name="case_list_csv"),
    path("evidence/<int:case_id>.zip", admin.site.admin_view(views.evidence_pack_download), name="evidence_pack"),
]
