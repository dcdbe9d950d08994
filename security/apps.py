from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("安全与审计")

    def ready(self):
        from security import signals  # noqa: F401  (connects the audit receivers)
