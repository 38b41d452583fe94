from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from activities.exchange.urls import moved_urlpatterns
from home import views as home_views
from notifications import views as notification_views

admin.site.site_header = _("People-to-people diplomacy portal: administration")
admin.site.site_title = _("Administration")
admin.site.index_title = _("Data administration")

urlpatterns = [
    path("", home_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/profile/", notification_views.profile, name="profile"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # The set-password link of accounts created from a spreadsheet (agencies.services).
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("agencies.urls")),
    # Before activities/: the exchange's old addresses answer a permanent redirect.
    path("activities/messages/", include((moved_urlpatterns, "exchange_moved"))),
    path("activities/", include("activities.urls")),
    path("messages/", include("activities.exchange.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("admin/", admin.site.urls),
]
