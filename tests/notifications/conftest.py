"""A county-1 rectification task and a list item with known due dates, for reminder tests."""

import datetime
from types import SimpleNamespace

import pytest

from responsibilities import lists
from tests.inspections.fixtures import make_finding, make_task
from tests.responsibilities.dutyfix import build_duty

TODAY = datetime.date.today()
DUE = TODAY + datetime.timedelta(days=20)


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def build_due_world(cast):
    from inspections.models import FindingResponsibility

    finding = make_finding(
        cast.user("county1_jw"),
        cast.county1,
        body=cast.bodies["T-K1:discipline"],
        title="整改提醒测试问题",
        responsibilities=[
            (cast.tenures["county1_secretary"], FindingResponsibility.Kind.PRINCIPAL)
        ],
    )
    task = make_task(cast.user("county1_jw"), finding, cast.tenures["county1_secretary"], due=DUE)
    return SimpleNamespace(cast=cast, finding=finding, task=task, due=DUE)


def build_many_tasks(cast, count):
    """`build_due_world` with `count` tasks in all, owned in turn by the secretary and a
    member of county 1 (jobs that claim in several batches or race each other)."""
    world = build_due_world(cast)
    owners = [cast.tenures[k] for k in ("county1_secretary", "county1_member")]
    for i in range(count - 1):
        make_task(cast.user("county1_jw"), world.finding, owners[i % 2], due=world.due)
    return world


@pytest.fixture
def due_world(cast):
    return build_due_world(cast)


@pytest.fixture
def item_world(cast):
    duty = build_duty(cast)
    item = lists.update_item(
        duty.items["c1_own"],
        due_date=DUE,
        reason="设定完成时限",
        actor=duty.cast.user("county1_secretary"),
    )
    item.refresh_from_db()
    return SimpleNamespace(cast=cast, duty=duty, item=item, due=DUE)


# --- External channels against local stub servers (tests/notifications/stubs.py) -------------

SITE = "https://zeren.example.gov.cn"


def _channels(settings, **more):
    settings.SITE_URL = SITE
    settings.NOTIFICATION_CHANNELS = {**settings.NOTIFICATION_CHANNELS, **more}
    settings.NOTIFY_DELIVERY = {**settings.NOTIFY_DELIVERY, "HTTP_TIMEOUT": 2}


@pytest.fixture
def wecom(settings):
    from tests.notifications.stubs import WeComStub

    stub = WeComStub().start()
    settings.WECOM = {
        "API_BASE": stub.url,
        "CORP_ID": stub.config.corp_id,
        "AGENT_ID": stub.config.agent_id,
        "SECRET": stub.config.secret,
        "LABEL": "政务微信",
        "DUPLICATE_CHECK_SECONDS": 14400,
    }
    _channels(settings, wecom="notifications.wecom.WeComChannel")
    yield stub
    stub.stop()


@pytest.fixture
def dingtalk(settings):
    from tests.notifications.stubs import DingTalkStub

    stub = DingTalkStub(keyword="两个责任").start()
    settings.DINGTALK = {
        "WEBHOOK": stub.webhook,
        "SECRET": stub.secret,
        "KEYWORD": stub.keyword,
        "LABEL": "",
    }
    _channels(settings, dingtalk="notifications.dingtalk.DingTalkRobotChannel")
    yield stub
    stub.stop()


@pytest.fixture
def sms(settings):
    from tests.notifications.stubs import SmsStub

    stub = SmsStub().start()
    settings.SMS_GATEWAY = {
        "URL": f"{stub.url}/sms/send",
        "METHOD": "POST",
        "CONTENT_TYPE": "application/json; charset=utf-8",
        "BODY": '{"phone":"${mobile}","content":"${text}","outId":"${message_id}"}',
        "AUTH_HEADER": ("Authorization", f"Bearer {stub.token}"),
        "SUCCESS": ("code", "OK"),
        "DEDUP_SECONDS": 0,
        "LABEL": "",
    }
    _channels(settings, sms="notifications.sms.SmsGatewayChannel")
    yield stub
    stub.stop()


def prefer(user, *channels, **fields):
    """Store a person's choice of channels (and addresses / quiet hours)."""
    from notifications.models import NotificationPreference

    pref, _created = NotificationPreference.objects.update_or_create(
        user=user, defaults={"channels": list(channels), "email_enabled": False, **fields}
    )
    return pref
