"""LDAP / Active Directory login (django-auth-ldap; needs the `ldap` extra: python-ldap).

Bind and search as configured (LDAP_SERVER_URI, LDAP_BIND_DN, LDAP_USER_BASE,
LDAP_USER_FILTER), then bind as the user found with the password typed on the login page. The
account is the existing one whose person's SSO_PERSON_FIELD equals the entry's
LDAP_MATCH_ATTRIBUTE (security/sso.py `match_user`), never the directory's user name.
No account is created unless LDAP_CREATE_USERS=1, and one created that way has no person,
hence no post and no business right. Directory groups give nothing (no mirroring, no group
permissions, no flags): rights come from tenures and /security/access/ only.

Wrong passwords go through Django's `user_login_failed`, so django-axes counts them and the
audit log records them like local ones.
"""

from __future__ import annotations

from django.conf import settings
from django_auth_ldap.backend import LDAPBackend

from security.sso import NoPermissionsMixin, match_user, note_refusal


class DirectoryBackend(NoPermissionsMixin, LDAPBackend):
    default_settings = {
        "ALWAYS_UPDATE_USER": False,
        "MIRROR_GROUPS": False,
        "FIND_GROUP_PERMS": False,
        "USER_ATTR_MAP": {},
        "USER_FLAGS_BY_GROUP": {},
    }

    def get_or_build_user(self, username, ldap_user):
        attribute = getattr(settings, "LDAP_MATCH_ATTRIBUTE", "employeeNumber")
        values = (ldap_user.attrs or {}).get(attribute) or (ldap_user.attrs or {}).get(
            attribute.lower()
        )
        value = values[0] if values else ""
        user = match_user(value)
        if user is not None:
            return user, False
        if not getattr(settings, "LDAP_CREATE_USERS", False):
            note_refusal(
                getattr(ldap_user, "_request", None),
                "ldap",
                "unknown_person" if value else "missing_attribute",
                attribute,
                value or username,
            )
            raise ldap_user.AuthenticationFailed("no person with this directory identifier")
        # LDAP_CREATE_USERS=1: a new account without a person (no post, no business right).
        return self.get_user_model()(username=username), True
