"""The person's own 提醒设置 page: channels the deployment switched on, addresses, quiet hours,
and the record of what was sent to them."""

import datetime
import re

import pytest
from django.urls import reverse

from notifications import outbox
from notifications.models import Dispatch, NotificationPreference
from notifications.services import notify
from tests.notifications.conftest import prefer

pytestmark = pytest.mark.django_db

URL = reverse("notifications:preferences")


def _post(client, **data):
    return client.post(URL, {"email_enabled": "on", **data})


def test_it_the_page_needs_a_login(client):
    assert client.get(URL).status_code == 302


def test_it_offers_only_the_channels_the_deployment_switched_on(cast, client_for, wecom, sms):
    html = client_for(cast.user("county1_secretary")).get(URL).content.decode()
    assert "政务微信" in html and "短信" in html and "钉钉" not in html
    assert 'name="mobile"' in html and 'name="wecom_userid"' in html
    assert 'type="time"' in html
    assert not NotificationPreference.objects.exists()  # looking stores nothing


def test_it_without_extra_channels_it_asks_for_no_address(cast, client_for):
    html = client_for(cast.user("county1_secretary")).get(URL).content.decode()
    assert 'name="channels"' not in html and 'name="mobile"' not in html


def test_it_saves_channels_addresses_and_quiet_hours(cast, client_for, wecom, sms):
    user = cast.user("county1_secretary")
    client = client_for(user)
    response = _post(
        client,
        channels=["wecom", "sms"],
        mobile="138-0000 0003",
        wecom_userid="zhangsan",
        quiet_start="22:00",
        quiet_end="07:00",
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=user)
    assert pref.channels == ["wecom", "sms"]
    assert (pref.mobile, pref.wecom_userid) == ("13800000003", "zhangsan")
    assert (pref.quiet_start, pref.quiet_end) == (datetime.time(22), datetime.time(7))
    assert pref.email_enabled and not pref.daily_digest
    assert "提醒设置已保存" in client.get(URL).content.decode()
    assert {c.name for c in outbox.Router().channels_for(user)} == {"wecom", "sms"}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"channels": ["sms"], "wecom_userid": "typed-id"}, "选择“短信”需要填写手机号"),
        ({"channels": ["wecom"], "mobile": "13900000009"}, "需要填写企业微信/政务微信账号"),
        ({"mobile": "1390000"}, "请输入 11 位手机号码"),
        ({"wecom_userid": "张 三"}, "账号只能包含字母"),
        ({"quiet_start": "22:00", "mobile": "13900000009"}, "需要同时填写开始和结束时间"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "开始和结束时间不能相同"),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "输入一个有效的时间"),
    ],
)
def test_it_bad_input_is_a_clear_error_and_loses_nothing(cast, client_for, wecom, sms, data, error):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="lisi")
    response = _post(client_for(user), **data)
    html = response.content.decode()
    assert response.status_code == 200 and error in html
    for typed in ("typed-id", "13900000009", "1390000", "张 三", "22:00"):
        if typed in data.values():
            assert f'value="{typed}"' in html  # what was typed is shown again
    pref = NotificationPreference.objects.get(user=user)
    assert (pref.channels, pref.wecom_userid) == (["wecom"], "lisi")  # nothing stored


def test_it_a_channel_the_deployment_switched_off_stays_chosen(cast, client_for, wecom):
    user = cast.user("county1_secretary")
    prefer(user, "dingtalk", "wecom", mobile="13800000003", wecom_userid="zhangsan")
    _post(client_for(user), wecom_userid="zhangsan")  # wecom unticked; dingtalk not offered
    pref = NotificationPreference.objects.get(user=user)
    assert pref.channels == ["dingtalk"] and pref.mobile == "13800000003"


def test_it_deployment_defaults_apply_until_the_person_chooses(cast, client_for, wecom, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom"]
    user = cast.user("county1_secretary")
    NotificationPreference.objects.create(user=user, wecom_userid="zhangsan")  # by an admin
    assert [c.name for c in outbox.Router().channels_for(user)] == ["wecom"]
    html = client_for(user).get(URL).content.decode()
    wecom_box = re.search(r'<input[^>]*value="wecom"[^>]*>', html).group(0)
    assert "checked" in wecom_box
    _post(client_for(user), wecom_userid="zhangsan")  # the person unticks it
    assert NotificationPreference.objects.get(user=user).channels == []
    assert outbox.Router().channels_for(user) == []


def test_it_shows_the_persons_own_send_record(
    cast, client_for, wecom, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    other = cast.user("county1_member")
    prefer(other, "wecom", wecom_userid="nobody")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user, "已送达的提醒")
        notify(other, "别人的提醒")
    assert set(Dispatch.objects.values_list("state", flat=True)) == {"sent", "failed"}
    html = client_for(user).get(URL).content.decode()
    assert "已送达的提醒" in html and "已发送" in html and "政务微信" in html
    assert "别人的提醒" not in html and "81013" not in html


def test_it_the_admin_refuses_a_bad_mobile_as_a_form_error(cast, admin_client):
    pref = prefer(cast.user("county1_secretary"), mobile="13800000003")
    url = reverse("admin:notifications_notificationpreference_change", args=[pref.pk])
    response = admin_client.post(
        url,
        {
            "user": pref.user_id,
            "email_enabled": "on",
            "channels": "null",
            "mobile": "12345",
            "wecom_userid": "",
        },
    )
    assert response.status_code == 200
    assert "请输入 11 位手机号码" in response.content.decode()
    pref.refresh_from_db()
    assert pref.mobile == "13800000003"
