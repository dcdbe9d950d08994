from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsibilitiesConfig(AppConfig):
    name = "responsibilities"
    verbose_name = _("组织与责任")

    def ready(self) -> None:
        from simple_history.signals import pre_create_historical_record

        from notifications import gate
        from responsibilities.history import stamp_history_per_transaction
        from responsibilities.scoping import preload_grants

        pre_create_historical_record.connect(
            stamp_history_per_transaction,
            dispatch_uid="responsibilities.stamp_history_per_transaction",
        )
        # A job's gate loads all its recipients' grants together (issue 19).
        gate.register_preload(preload_grants)
