"""Optional TOTP second factor (django-otp), required for the administrative roles when on."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from security.models import AuditEntry


@pytest.fixture
def otp_on(settings):
    settings.OTP_ENABLED = True
    # django-otp delays attempts after a failure (exponential back-off); the tests try a wrong
    # code and then the right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def _token(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_it_is_off_by_default(client_for, admins):
    assert client_for(admins["audit"]).get(reverse("security:audit_log")).status_code == 200


def test_it_an_administrator_must_enrol_then_verify(otp_on, client_for, admins):
    c = client_for(admins["audit"])
    response = c.get(reverse("security:audit_log"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("security:otp_setup"))
    page = c.get(response.url)
    assert "启用动态口令" in page.content.decode()
    assert "<svg" in page.content.decode()  # QR code, inline, nothing external
    device = TOTPDevice.objects.get(user=admins["audit"], confirmed=False)
    wrong = c.post(reverse("security:otp_setup"), {"token": "000000"})
    assert "动态口令不正确" in wrong.content.decode()
    ok = c.post(
        reverse("security:otp_setup"),
        {"token": _token(device), "next": reverse("security:audit_log")},
    )
    # Enrolled: the recovery codes are shown once, then the user continues where they were.
    assert ok.status_code == 200 and "请保存您的恢复码" in ok.content.decode()
    assert f'href="{reverse("security:audit_log")}"' in ok.content.decode()
    assert c.get(reverse("security:audit_log")).status_code == 200

    # Next session: verify with the enrolled device.
    c.logout()
    c = client_for(admins["audit"])
    assert c.get(reverse("security:audit_log")).url.startswith(reverse("security:otp_verify"))
    c.post(reverse("security:otp_verify"), {"token": "123456"})
    assert AuditEntry.objects.filter(action="otp_failed", actor_username="auditadmin").exists()
    # A code is accepted once (replay protection); pretend the next 30 s step has come.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    response = c.post(
        reverse("security:otp_verify"),
        {"token": _token(device), "next": reverse("security:audit_log")},
    )
    assert response.status_code == 302
    assert c.get(reverse("security:audit_log")).status_code == 200


def test_it_ordinary_users_are_not_asked(otp_on, client_for, cast):
    assert client_for(cast.user("county1_secretary")).get(reverse("home")).status_code == 200


def test_it_the_next_parameter_cannot_leave_the_site(otp_on, client_for, admins):
    c = client_for(admins["security"])
    c.get(reverse("security:otp_setup"))
    device = TOTPDevice.objects.get(user=admins["security"])
    response = c.post(
        reverse("security:otp_setup"), {"token": _token(device), "next": "https://evil.example/"}
    )
    page = response.content.decode()
    assert "请保存您的恢复码" in page  # the "continue" link stays on the site
    assert "evil.example" not in page and 'href="/"' in page


def test_it_can_be_required_per_post_role(otp_on, settings, client_for, cast):
    settings.OTP_REQUIRED_ROLES = ["secretary"]
    secretary = client_for(cast.user("county1_secretary")).get(reverse("home"))
    assert secretary.status_code == 302
    assert secretary.url.startswith(reverse("security:otp_setup"))
    assert client_for(cast.user("county1_member")).get(reverse("home")).status_code == 200


def test_it_who_enrolled_a_device_is_asked_for_it(otp_on, client_for, cast):
    member = cast.user("county1_member")
    TOTPDevice.objects.create(user=member, name="TOTP", confirmed=True)
    response = client_for(member).get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("security:otp_verify"))
