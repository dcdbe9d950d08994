"""API fixtures: test clients that carry a bearer token (personal or service account).

def test_it_lists(cast, api_for):
    client = api_for(cast.user("county1_secretary"))      # a personal token
    assert client.get("/api/v1/organizations/").status_code == 200

def test_service(cast, service_token):
    token, secret = service_token(org=cast.county1, capabilities=[])
"""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient


@pytest.fixture
def secadmin(db):
    from django.contrib.auth import get_user_model

    from security.models import AdminRole, AdminRoleAssignment

    user = get_user_model().objects.create_user("api_secadmin", password="x-Secadmin-2026")
    AdminRoleAssignment.objects.create(user=user, role=AdminRole.SECURITY)
    return user


@pytest.fixture
def bearer():
    """bearer(secret) → an API client sending `Authorization: Bearer <secret>`."""

    def make(secret):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return client

    return make


@pytest.fixture
def api_for(bearer):
    """api_for(user) → an API client with a fresh personal token of that user."""
    from security.tokens import issue_personal

    def make(user, **options):
        _token, secret = issue_personal(user, **options)
        return bearer(secret)

    return make


@pytest.fixture
def service_token(secadmin):
    """service_token(org=…, capabilities=[…], scope="view") → (token, secret)."""
    from security.tokens import create_service_account

    def make(*, org, capabilities=(), scope="view", expires=None, name="测试服务账号"):
        return create_service_account(
            secadmin,
            name=name,
            org=org,
            scope=scope,
            capabilities=list(capabilities),
            expires=expires,
        )

    return make


@pytest.fixture
def make_log_api(api_for):
    """make_log_api(duty, submit=False) → a talk log of county 1's member, recorded through the
    API; `duty.client` is then that member's API client."""

    def make(duty, submit=False):
        from responsibilities.models import DutyLog

        if not hasattr(duty, "client"):
            duty.client = api_for(duty.cast.user("county1_member"))
        response = duty.client.post(
            "/api/v1/duty-logs/",
            {
                "action_type": "talk",
                "occurred_on": timezone.localdate().isoformat(),
                "title": "与县教育局党组书记廉政谈话",
                "summary": "通报教育系统廉政风险点,提出整改要求。",
                "talk_type": "reminder",
                "talk_target": "县教育局党组书记",
                "items": [duty.items["talk"].pk],
                "submit": submit,
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        return DutyLog.objects.get(pk=response.json()["id"])

    return make
