"""TOTP recovery codes: one-time codes for an account whose authenticator is lost.

- A set of RECOVERY_CODE_COUNT codes of 16 base32 characters (80 bits each), shown once.
- Stored as HMAC-SHA256 under a key derived from SECRET_KEY: 80 random bits cannot be guessed
  offline even with a fast hash, and a copy of the table alone is useless. (Rotating SECRET_KEY
  invalidates the codes; users then regenerate.)
- Each code works once: the claim is a conditional UPDATE (… WHERE used_at IS NULL).
- Generating a new set replaces the old one and needs the password; generation and every use
  (and failed try) are audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import RecoveryCode
from security.services import Action, Outcome, audit
from security.tokens import keyed_code_hash, new_short_code

RECOVERY_CODE_COUNT = 10
_KEY_SALT = "security.recovery-code"


def code_hash(code: str) -> str:
    return keyed_code_hash(_KEY_SALT, code)


def _new_code() -> str:
    raw = new_short_code(16)
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def has_totp_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@transaction.atomic
def generate(user, request=None) -> list[str]:
    """Replace the user's codes with a new set; returns the plain codes (show them once)."""
    RecoveryCode.objects.filter(user=user).delete()
    codes = [_new_code() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=code_hash(code)) for code in codes]
    )
    audit(
        request or user,
        Action.OTP_DEVICE,
        user,
        event="recovery_codes_generated",
        count=len(codes),
    )
    return codes


def remaining(user) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def use(user, code: str, request=None) -> bool:
    """Spend one code. True if it was an unused code of this user (then it is used up)."""
    claimed = RecoveryCode.objects.filter(
        user=user, code_hash=code_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if claimed:
        audit(request or user, Action.OTP_RECOVERY, user, remaining=remaining(user))
        return True
    audit(request or user, Action.OTP_FAILED, user, outcome=Outcome.FAILURE, method="recovery")
    return False
