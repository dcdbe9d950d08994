"""Demo accounts for the three administrative roles (三员分立), for `manage.py seed_demo`.

sysadmin (系统管理员), secadmin (安全管理员), auditadmin (审计管理员), password DEMO_PASSWORD.
Seeded accounts are not forced to change the password at first login (only passwords set by
another account, or marked with security.services.require_password_change, are): otherwise
every `make run` demo would start with three password changes.
"""

from django.contrib.auth import get_user_model

from demo.org_tree import DemoContext
from security.models import AdminRole, AdminRoleAssignment

DEMO_ADMINS = {
    "sysadmin": AdminRole.SYSTEM,
    "secadmin": AdminRole.SECURITY,
    "auditadmin": AdminRole.AUDIT,
}


def demo_admin_email(username: str) -> str:
    return f"{username}@demo.invalid"


def seed_admin_roles(ctx: DemoContext) -> None:
    user_model = get_user_model()
    for username, role in DEMO_ADMINS.items():
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username, email=demo_admin_email(username), password=ctx.password
            )
            ctx.created["accounts"] += 1
        elif ctx.reset_passwords:
            user.set_password(ctx.password)
            user.save(update_fields=["password"])
            ctx.created["passwords reset"] += 1
        if not user.email:
            # The four-eyes reset mails its one-time link to the owner's own address.
            user.email = demo_admin_email(username)
            user.save(update_fields=["email"])
        if not AdminRoleAssignment.objects.filter(user=user).exists():
            AdminRoleAssignment.objects.create(user=user, role=role)
            ctx.created["admin roles"] += 1
