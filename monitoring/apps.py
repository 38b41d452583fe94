from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    """The monitoring pages of Sở Ngoại vụ and the province's leaders: plan implementation,
    agency scorecards, the overview and the calendar of partner countries' days."""

    name = "monitoring"
    verbose_name = _("Monitoring")
