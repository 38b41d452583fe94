from django.urls import path

from doingoai import converters  # noqa: F401  (registers <id:…>, the database ids)

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("completeness/", views.completeness_page, name="completeness"),
    path("issued/", views.issued, name="issued"),
    path("consolidated/<id:pk>/", views.consolidated, name="consolidated"),
    path("consolidated/<id:pk>/status/", views.consolidated_status, name="consolidated-status"),
    path("consolidated/<id:pk>/retry/", views.consolidated_retry, name="consolidated-retry"),
    path("consolidated/<id:pk>/issue/", views.consolidated_issue, name="consolidated-issue"),
    path("consolidated/<id:pk>/figures.json", views.consolidated_json, name="consolidated-json"),
    path("consolidated/<id:pk>/<str:fmt>/", views.consolidated_file, name="consolidated-file"),
    path("<str:period>/consolidated/", views.consolidated_period, name="consolidated-period"),
    path("<str:period>/remind/", views.remind, name="remind"),
    path("<str:period>/agencies/<str:code>/", views.agency_report, name="agency-report"),
    path(
        "<str:period>/agencies/<str:code>/review/",
        views.agency_report_review,
        name="agency-report-review",
    ),
]
