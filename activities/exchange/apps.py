from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Information exchange between agencies: messages, requests for information and reports
    of difficulties. Nested under activities (the top level is agencies, activities, reports)
    but its own app: its own label, tables' state, migrations and templates."""

    name = "activities.exchange"
    label = "exchange"
    verbose_name = _("Information exchange")
