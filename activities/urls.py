from django.urls import path

from doingoai import converters  # noqa: F401  (registers <id:…>, the database ids)

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("mine/", views.my_activities, name="mine"),
    path("new/", views.activity_create, name="create"),
    path("review/", views.review_queue, name="review"),
    path("export/<str:fmt>/", views.activity_export, name="export"),
    path("import/", views.import_upload, name="import"),
    path("import/template.xlsx", views.import_template, name="import-template"),
    path("import/<str:token>/confirm/", views.import_confirm, name="import-confirm"),
    path("form/kind-fields/", views.form_kind_fields, name="form-kind-fields"),
    path("form/duties/", views.form_duty_options, name="form-duties"),
    path("<id:pk>/", views.activity_detail, name="detail"),
    path("<id:pk>/edit/", views.activity_edit, name="edit"),
    path("<id:pk>/submit/", views.activity_submit, name="submit"),
    path("<id:pk>/accept/", views.activity_accept, name="accept"),
    path("<id:pk>/return/", views.activity_return, name="return"),
    path("<id:pk>/reopen/", views.activity_reopen, name="reopen"),
    path("<id:pk>/files/<id:file_pk>/", views.attachment_download, name="attachment"),
    path("<id:pk>/files/<id:file_pk>/delete/", views.attachment_delete, name="attachment-delete"),
]
