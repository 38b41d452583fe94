from django.urls import path

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
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/submit/", views.activity_submit, name="submit"),
    path("<int:pk>/accept/", views.activity_accept, name="accept"),
    path("<int:pk>/return/", views.activity_return, name="return"),
    path("<int:pk>/reopen/", views.activity_reopen, name="reopen"),
    path("<int:pk>/files/<int:file_pk>/", views.attachment_download, name="attachment"),
    path("<int:pk>/files/<int:file_pk>/delete/", views.attachment_delete, name="attachment-delete"),
]
