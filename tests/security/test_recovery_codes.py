"""TOTP recovery codes: hashed at rest, shown once, regenerable with the password, one use each."""

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import recovery
from security.models import AuditEntry, RecoveryCode
from tests.security.conftest import STRONG

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


@pytest.fixture
def otp_on(settings):
    settings.OTP_ENABLED = True
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def enrolled(admins):
    user = admins["audit"]
    TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    return user


def _new_codes(client) -> list[str]:
    response = client.post(reverse("security:otp_recovery_codes"), {"password": STRONG})
    assert response.status_code == 200
    codes = CODE.findall(response.content.decode())
    assert len(codes) == recovery.RECOVERY_CODE_COUNT
    return codes


def test_it_codes_are_shown_once_and_stored_only_as_hashes(client, enrolled):
    client.force_login(enrolled)
    codes = _new_codes(client)
    stored = list(RecoveryCode.objects.filter(user=enrolled).values_list("code_hash", flat=True))
    assert len(stored) == len(codes)
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored
        assert recovery.code_hash(code) in stored
    # Shown once: the page afterwards says how many are left, never the codes.
    page = client.get(reverse("security:otp_recovery_codes")).content.decode()
    assert "当前还有 10 个未使用的恢复码" in page
    assert not CODE.findall(page)
    assert AuditEntry.objects.filter(
        action="otp_device", details__event="recovery_codes_generated"
    ).exists()


def test_it_a_new_set_needs_the_password_and_replaces_the_old_one(client, enrolled):
    client.force_login(enrolled)
    first = _new_codes(client)
    wrong = client.post(reverse("security:otp_recovery_codes"), {"password": "not-it"})
    assert wrong.status_code == 400 and "密码不正确" in wrong.content.decode()
    assert RecoveryCode.objects.filter(user=enrolled).count() == 10  # unchanged
    second = _new_codes(client)
    assert not set(first) & set(second)
    assert not recovery.use(enrolled, first[0])  # the old set is void


def test_it_a_code_stands_in_for_the_token_once(otp_on, client, enrolled):
    client.force_login(enrolled)
    codes = recovery.generate(enrolled)
    client.logout()
    client.force_login(enrolled)
    audit_page = reverse("security:audit_log")
    assert client.get(audit_page).url.startswith(reverse("security:otp_verify"))
    assert (
        reverse("security:otp_recover")
        in client.get(reverse("security:otp_verify")).content.decode()
    )

    wrong = client.post(reverse("security:otp_recover"), {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert "恢复码不正确或已使用" in wrong.content.decode()
    assert AuditEntry.objects.filter(action="otp_failed", details__method="recovery").exists()

    # Lower case and without dashes is the same code.
    typed = codes[0].replace("-", "").lower()
    response = client.post(reverse("security:otp_recover"), {"code": typed, "next": audit_page})
    assert response.status_code == 302 and response.url == audit_page
    assert client.get(audit_page).status_code == 200
    used = AuditEntry.objects.get(action="otp_recovery")
    assert used.actor_username == enrolled.username and used.details["remaining"] == 9

    # The same code does not work a second time.
    client.logout()
    client.force_login(enrolled)
    again = client.post(reverse("security:otp_recover"), {"code": codes[0]})
    assert "恢复码不正确或已使用" in again.content.decode()
    assert client.get(audit_page).status_code == 302


def test_it_guessing_is_rate_limited(otp_on, client, enrolled):
    recovery.generate(enrolled)
    client.force_login(enrolled)
    statuses = [
        client.post(
            reverse("security:otp_recover"), {"code": f"AAAA-BBBB-CCCC-{i:04d}"}
        ).status_code
        for i in range(recovery_attempts() + 1)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:-1]


def recovery_attempts() -> int:
    from security.views import RECOVERY_ATTEMPTS

    return RECOVERY_ATTEMPTS


def test_it_without_a_device_there_are_no_codes(client, admins):
    client.force_login(admins["system"])
    response = client.get(reverse("security:otp_recovery_codes"))
    assert response.status_code == 302 and response.url == reverse("security:otp_setup")
