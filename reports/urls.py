from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("completeness/", views.completeness_page, name="completeness"),
    path("issued/", views.issued, name="issued"),
    path("consolidated/<int:pk>/", views.consolidated, name="consolidated"),
    path("consolidated/<int:pk>/status/", views.consolidated_status, name="consolidated-status"),
    path("consolidated/<int:pk>/retry/", views.consolidated_retry, name="consolidated-retry"),
    path("consolidated/<int:pk>/issue/", views.consolidated_issue, name="consolidated-issue"),
    path("consolidated/<int:pk>/figures.json", views.consolidated_json, name="consolidated-json"),
    path("consolidated/<int:pk>/<str:fmt>/", views.consolidated_file, name="consolidated-file"),
    path("<str:period>/consolidated/", views.consolidated_period, name="consolidated-period"),
    path("<str:period>/remind/", views.remind, name="remind"),
    path("<str:period>/agencies/<str:code>/", views.agency_report, name="agency-report"),
    path(
        "<str:period>/agencies/<str:code>/review/",
        views.agency_report_review,
        name="agency-report-review",
    ),
]
