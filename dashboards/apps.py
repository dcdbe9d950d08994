from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("驾驶舱")

    def ready(self):
        from dashboards.counts import drop_for_migrate, ensure_installed

        # The count tables' triggers survive migrations of their source tables (SQLite).
        pre_migrate.connect(drop_for_migrate, sender=self, dispatch_uid="dashboards_counts_pre")
        post_migrate.connect(ensure_installed, sender=self, dispatch_uid="dashboards_counts")
