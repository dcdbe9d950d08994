from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("考核评价")

    def ready(self) -> None:
        from accountability.sections import register_section
        from assessments.integrity_section import published_results

        register_section("assessments.person_results", published_results)
