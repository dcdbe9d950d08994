from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = _("安全与审计")

    def ready(self):
        from django.core import checks

        from responsibilities.scoping import register_grant_source
        from security import business_audit, signals  # noqa: F401  (connects the receivers)
        from security.access import grants_of, grants_of_many
        from security.keys import check_chain_key

        # Grants the security administrator assigns count like those of a post.
        register_grant_source(grants_of, bulk=grants_of_many)
        # A service account's subtree, while its API token authenticates the request.
        from security.tokens import token_grants

        register_grant_source(token_grants)
        # Every business write enters the audit chain (security/business_audit.py).
        business_audit.connect()
        checks.register(check_chain_key, checks.Tags.security, deploy=True)
