"""Password policy: at least three of four character classes; record every change.

Length (10), similarity to the username and common passwords use Django's own validators
(see AUTH_PASSWORD_VALIDATORS in settings); this module adds the character classes and the
bookkeeping that forced changes and optional expiry rely on.
"""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from security.context import current_request
from security.models import PasswordState
from security.services import Action, audit

CLASSES = (
    ("lower", lambda c: c in string.ascii_lowercase),
    ("upper", lambda c: c in string.ascii_uppercase),
    ("digit", lambda c: c.isdigit()),
    ("other", lambda c: not (c.isascii() and c.isalnum())),
)


def character_classes(password: str) -> int:
    return sum(1 for _name, test in CLASSES if any(test(c) for c in password))


class CharacterClassesValidator:
    """Lower-case letters, upper-case letters, digits, symbols: at least `min_classes` of them."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。")
                % {"n": self.min_classes},
                code="password_too_few_classes",
            )

    def get_help_text(self):
        return ngettext(
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            "密码须包含小写字母、大写字母、数字、符号中的至少 %(n)d 类。",
            self.min_classes,
        ) % {"n": self.min_classes}


class PasswordChangeRecorder:
    """Validates nothing; Django calls `password_changed` after every saved password change.

    A password set by someone else (an administrator's reset, an import run in a request by
    another account) must be changed at the holder's next login; a password the holder set
    clears that. Passwords set outside any request (seed_demo, the test cast, a shell) are
    not forced: use security.services.require_password_change for imported accounts.
    """

    def validate(self, password, user=None):
        return None

    def get_help_text(self):
        return ""

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        request = current_request()
        actor = getattr(request, "user", None) if request is not None else None
        by_other = bool(actor is not None and actor.is_authenticated and actor.pk != user.pk)
        PasswordState.objects.update_or_create(
            user=user,
            defaults={"must_change_password": by_other, "password_changed_at": timezone.now()},
        )
        if request is not None and not by_other and hasattr(request, "session"):
            request.session.pop("lz_password_change_due", None)
        if request is not None:
            audit(
                request,
                Action.PASSWORD_RESET if by_other else Action.PASSWORD_CHANGE,
                user,
                object_repr=user.get_username(),
            )
