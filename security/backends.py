"""The account backend: Django's ModelBackend, plus one fact about the signed-in account.

`get_user` (run on every request) also says whether the account holds an active ScopeGrant
(an EXISTS in the same query), so that responsibilities.scoping.user_grants asks for the
grants only when there are some: the security administrator's grants cost ordinary requests
no extra query, and a revocation still applies from the next request on.

Permission rows (user_permissions, groups) never give what an administrative role gives (the
audit log, accounts, unlocking, assignments): those powers come from the role alone.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from responsibilities.models import Person
from security.models import ScopeGrant, active_grants_q
from security.roles import ALL_ROLE_PERMISSIONS


class AccountBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        """Raw user/group permissions, less the administrative roles' powers: those come only
        from a role (security/roles.py), never from a permission row, whoever wrote it."""
        perms = super()._get_permissions(user_obj, obj, from_name)
        return perms - ALL_ROLE_PERMISSIONS

    def authenticate(self, request, username=None, password=None, **kwargs):
        """A local password; with LOCAL_LOGIN_ENABLED=0 only for accounts without a person
        (administrators' break-glass): business users then sign in through single sign-on."""
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if (
            user is not None
            and not getattr(settings, "LOCAL_LOGIN_ENABLED", True)
            and Person.objects.filter(user=user).exists()
        ):
            return None
        return user

    def get_user(self, user_id):
        model = get_user_model()
        grants = ScopeGrant.objects.filter(active_grants_q(), user=OuterRef("pk"))
        try:
            user = model._default_manager.annotate(lz_has_scope_grants=Exists(grants)).get(
                pk=user_id
            )
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
