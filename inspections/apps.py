from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("监督检查")

    def ready(self):
        from inspections.handover import OPEN_TASKS
        from responsibilities.appointments import register_open_work

        # A 换届 previews the leaving team's open rectification tasks and hands each one
        # with a determined successor to the successor's new tenure.
        register_open_work(OPEN_TASKS)
