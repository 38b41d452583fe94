from django.urls import path

from doingoai import converters  # noqa: F401  (registers <id:…>, the database ids)

from . import plan_views, views

app_name = "agencies"

urlpatterns = [
    path("agencies/", views.agency_list, name="list"),
    path("agencies/<str:code>/", views.agency_detail, name="detail"),
    path("plan/", plan_views.plan_detail, name="plan"),
    path("plan/<id:plan>/duties/<str:ref>/", plan_views.duty_detail, name="duty"),
]
