from django.urls import path

from doingoai import converters  # noqa: F401  (registers <id:…>, the database ids)

from . import plan_views, views

app_name = "agencies"

urlpatterns = [
    path("agencies/", views.agency_list, name="list"),
    path("agencies/<str:code>/", views.agency_detail, name="detail"),
    path("plan/", plan_views.plan_current, name="plan"),
    path("plan/<id:plan>/", plan_views.plan_detail, name="plan_detail"),
    path("plan/<id:plan>/duties/<str:ref>/", plan_views.duty_detail, name="duty"),
    path("plan/<id:plan>/programmes/", plan_views.programme_list, name="programmes"),
    path("plan/<id:plan>/programmes/<str:code>/", plan_views.programme_edit, name="programme"),
    path(
        "plan/<id:plan>/programmes/<str:code>/file/",
        plan_views.programme_file,
        name="programme_file",
    ),
    path(
        "plan/<id:plan>/evaluations/<int:year>/",
        plan_views.evaluation_edit,
        name="evaluation",
    ),
]
