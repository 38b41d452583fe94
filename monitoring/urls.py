from django.urls import path

from . import observance_views, overview_views, plan_views, scorecard_views

app_name = "monitoring"

urlpatterns = [
    path("", overview_views.overview, name="overview"),
    path("overview.pdf", overview_views.overview_pdf, name="overview_pdf"),
    path("plan/", plan_views.plan, name="plan"),
    path("plan/cell/", plan_views.cell, name="plan_cell"),
    path("agencies/", scorecard_views.scorecard, name="agencies"),
    path("agencies.xlsx", scorecard_views.scorecard_xlsx, name="agencies_xlsx"),
    path("calendar/", observance_views.calendar, name="calendar"),
    path("calendar.ics", observance_views.calendar_ics, name="calendar_ics"),
]
