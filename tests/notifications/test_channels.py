"""企业微信/政务微信, 钉钉 robots and an SMS gateway, each against a local stub that checks
the request as the vendor's published API does (tests/notifications/stubs.py).

Messages go the whole way: `notify` stores the inbox row and its outbox rows, the commit
enqueues one Celery task per row (eager here), the task hands the message to the channel.
"""

import time
import urllib.parse

import pytest
from django.core.cache import cache

from notifications import outbox
from notifications.dingtalk import sign, signed_url
from notifications.models import Dispatch
from notifications.services import notify
from notifications.sms import render
from notifications.tasks import send_dispatch
from tests.notifications.conftest import SITE, prefer
from tests.notifications.stubs import Answer, dingtalk_sign, errcode

pytestmark = pytest.mark.django_db

SECRET_BODY = "内部情况: 不得外传"


def _notify(capture, user, title="【督办】一号县 · 整改任务到期", **kw):
    with capture(execute=True):
        return notify(user, title, body=SECRET_BODY, link="/inspections/tasks/1/", **kw)


def _due_again(dispatch):
    """Time passes: the retry the outbox scheduled is due now."""
    Dispatch.objects.filter(pk=dispatch.pk).update(not_before=None)
    send_dispatch.delay(dispatch.pk)
    dispatch.refresh_from_db()
    return dispatch


# --- 企业微信 / 政务微信 -------------------------------------------------------------------------


def test_it_sends_a_textcard_with_one_cached_token(cast, wecom, django_capture_on_commit_callbacks):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    first = _notify(django_capture_on_commit_callbacks, user)
    second = _notify(django_capture_on_commit_callbacks, user, title="第二条")

    assert wecom.issued == 1  # the second send used the cached token
    assert [d["title"] for d in wecom.delivered] == [first.title, "第二条"]
    card = wecom.delivered[0]
    assert card["touser"] == "zhangsan"
    assert card["url"] == f"{SITE}/notifications/{first.pk}/open/"
    sends = [r for r in wecom.requests if r.path == "/cgi-bin/message/send"]
    assert {r.query["access_token"] for r in sends} == {"token-1"}
    assert sends[0].json()["enable_duplicate_check"] == 1
    # A short title and a link: the body never leaves the system.
    assert all(SECRET_BODY not in r.body.decode() for r in wecom.requests)
    rows = Dispatch.objects.filter(channel="wecom").order_by("pk")
    assert [(d.notification_id, d.state, d.attempts) for d in rows] == [
        (first.pk, "sent", 1),
        (second.pk, "sent", 1),
    ]
    assert rows[0].vendor_ref == "msg-1"


def test_it_fetches_a_new_token_when_the_vendor_revokes_it(
    cast, wecom, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    _notify(django_capture_on_commit_callbacks, user)
    wecom.revoke_tokens()
    _notify(django_capture_on_commit_callbacks, user, title="令牌失效后")

    assert wecom.issued == 2
    tokens = [r.query["access_token"] for r in wecom.requests if r.path.endswith("/send")]
    assert tokens == ["token-1", "token-1", "token-2"]  # refused with 42001, then the new one
    assert len(wecom.delivered) == 2
    assert set(Dispatch.objects.values_list("state", flat=True)) == {"sent"}


def test_it_fetches_a_new_token_when_the_cached_one_runs_out(
    cast, wecom, django_capture_on_commit_callbacks, monkeypatch
):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    _notify(django_capture_on_commit_callbacks, user)
    # expires_in 7200 s, cached for 7200 - 300: two hours later the cache has let it go.
    later = time.time() + 7200
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: later)
    assert cache.get(f"notifications:wecom-token:{wecom.url}:ww-test-corp:1000002") is None
    _notify(django_capture_on_commit_callbacks, user, title="两小时后")
    assert wecom.issued == 2
    assert len(wecom.delivered) == 2


def test_it_a_busy_vendor_is_tried_again_after_a_backoff(
    cast, wecom, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    wecom.script = [errcode(-1, "system busy")]
    _notify(django_capture_on_commit_callbacks, user)

    dispatch = Dispatch.objects.get(channel="wecom")
    assert (dispatch.state, dispatch.attempts) == ("pending", 1)
    assert "errcode -1" in dispatch.last_error
    waited = (dispatch.not_before - dispatch.first_attempt_at).total_seconds()
    assert 30 <= waited <= 37  # NOTIFY_RETRY_BASE_SECONDS, plus up to 20 % jitter
    assert wecom.delivered == []

    dispatch = _due_again(dispatch)
    assert (dispatch.state, dispatch.attempts) == ("sent", 2)
    assert len(wecom.delivered) == 1


def test_it_a_person_unknown_to_the_vendor_is_recorded_as_failed(
    cast, wecom, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="nobody")
    _notify(django_capture_on_commit_callbacks, user)
    dispatch = Dispatch.objects.get(channel="wecom")
    assert (dispatch.state, dispatch.attempts) == ("failed", 1)
    assert "81013" in dispatch.last_error


def test_it_a_send_whose_answer_never_came_is_repeated_and_the_vendor_drops_the_repeat(
    cast, wecom, django_capture_on_commit_callbacks, settings
):
    """The vendor took the message but the answer timed out: the outcome is unknown. WeCom's
    duplicate check drops an identical request, so the outbox may repeat it: once delivered."""
    settings.NOTIFY_DELIVERY = {**settings.NOTIFY_DELIVERY, "HTTP_TIMEOUT": 0.5}
    user = cast.user("county1_secretary")
    prefer(user, "wecom", wecom_userid="zhangsan")
    wecom.hang = 1.5
    _notify(django_capture_on_commit_callbacks, user)

    dispatch = Dispatch.objects.get(channel="wecom")
    assert (dispatch.state, dispatch.attempts) == ("pending", 1)
    assert "TimeoutError" in dispatch.last_error
    assert len(wecom.delivered) == 1  # it did arrive

    dispatch = _due_again(dispatch)
    assert (dispatch.state, dispatch.attempts) == ("sent", 2)
    sends = [r for r in wecom.requests if r.path.endswith("/send")]
    assert len(sends) == 2 and sends[0].body == sends[1].body
    assert len(wecom.delivered) == 1  # the repeat was dropped by the vendor


# --- 钉钉 / 浙政钉 robots ------------------------------------------------------------------------


def test_it_posts_a_signed_markdown_mentioning_the_person(
    cast, dingtalk, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "dingtalk", mobile="13800000001")
    note = _notify(django_capture_on_commit_callbacks, user, level="escalation")

    assert len(dingtalk.delivered) == 1
    body = dingtalk.delivered[0]
    assert body["at"] == {"atMobiles": ["13800000001"], "isAtAll": False}
    text = body["markdown"]["text"]
    assert "@13800000001" in text and "督办" in text
    assert f"{SITE}/notifications/{note.pk}/open/" in text
    # A group chat: neither the title nor the body is posted there.
    assert note.title not in text and SECRET_BODY not in text
    request = dingtalk.requests[0]
    assert request.query["sign"] == dingtalk_sign(dingtalk.secret, request.query["timestamp"])
    assert Dispatch.objects.get(channel="dingtalk").state == "sent"


def test_it_a_robot_with_another_secret_refuses_the_signature(
    cast, dingtalk, django_capture_on_commit_callbacks, settings
):
    settings.DINGTALK = {**settings.DINGTALK, "SECRET": "SECwrong"}
    user = cast.user("county1_secretary")
    prefer(user, "dingtalk", mobile="13800000001")
    _notify(django_capture_on_commit_callbacks, user)
    dispatch = Dispatch.objects.get(channel="dingtalk")
    assert dispatch.state == "failed" and "sign not match" in dispatch.last_error
    assert dingtalk.delivered == []


def test_it_a_throttled_robot_is_tried_again(cast, dingtalk, django_capture_on_commit_callbacks):
    user = cast.user("county1_secretary")
    prefer(user, "dingtalk", mobile="13800000001")
    dingtalk.script = [errcode(410100, "send too fast, exceed 20 times per minute")]
    _notify(django_capture_on_commit_callbacks, user)
    dispatch = Dispatch.objects.get(channel="dingtalk")
    assert dispatch.state == "pending"
    assert _due_again(dispatch).state == "sent"
    assert len(dingtalk.delivered) == 1


def test_it_the_sign_is_url_encoded_base64_of_the_hmac():
    # A timestamp whose signature contains "+" and "/", which must travel URL-encoded.
    secret = "SEC" + "0123456789abcdef" * 4
    for ts in range(1700000000000, 1700000000400):
        expected = dingtalk_sign(secret, str(ts))
        if "+" in expected and "/" in expected:
            break
    assert sign(secret, ts) == urllib.parse.quote_plus(expected)
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, ts)
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    assert query == {"access_token": "abc", "timestamp": str(ts), "sign": expected}


# --- SMS gateway ---------------------------------------------------------------------------------


def test_it_fills_the_gateway_template_with_escaped_values(
    cast, sms, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "sms", mobile="13800000002")
    note = _notify(django_capture_on_commit_callbacks, user, title='关于"公务接待"\n的整改')

    dispatch = Dispatch.objects.get(channel="sms")
    assert dispatch.state == "sent"
    assert sms.delivered == [
        {
            "phone": "13800000002",
            "content": f'关于"公务接待"\n的整改 {SITE}/notifications/{note.pk}/open/',
            "outId": f"lz-{dispatch.pk}",
        }
    ]


def test_it_a_gateway_that_says_no_is_tried_again_with_the_same_message_id(
    cast, sms, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, "sms", mobile="13800000002")
    sms.script = [Answer(200, {"code": "isv.BUSINESS_LIMIT_CONTROL"})]
    _notify(django_capture_on_commit_callbacks, user)
    dispatch = Dispatch.objects.get(channel="sms")
    assert dispatch.state == "pending" and "BUSINESS_LIMIT_CONTROL" in dispatch.last_error
    assert _due_again(dispatch).state == "sent"
    out_ids = {r.json()["outId"] for r in sms.requests}
    assert out_ids == {f"lz-{dispatch.pk}"}


def test_it_a_gateway_refusing_the_credentials_fails_without_retrying(
    cast, sms, django_capture_on_commit_callbacks, settings
):
    settings.SMS_GATEWAY = {**settings.SMS_GATEWAY, "AUTH_HEADER": ("Authorization", "Bearer x")}
    user = cast.user("county1_secretary")
    prefer(user, "sms", mobile="13800000002")
    _notify(django_capture_on_commit_callbacks, user)
    dispatch = Dispatch.objects.get(channel="sms")
    assert (dispatch.state, dispatch.last_error) == ("failed", "HTTP 401")


def test_it_templates_are_escaped_for_their_content_type():
    values = {"mobile": "13800000002", "text": 'a&b "c" <d>', "message_id": "lz-1"}
    assert render("m=${mobile}&t=${text}", values, "GET", "") == (
        "m=13800000002&t=a%26b+%22c%22+%3Cd%3E"
    )
    form = render("t=${text}", values, "POST", "application/x-www-form-urlencoded")
    assert form == "t=a%26b+%22c%22+%3Cd%3E"
    assert render('{"t":"${text}"}', values, "POST", "application/json") == (
        '{"t":"a&b \\"c\\" <d>"}'
    )
    assert render("<t>${text}</t>", values, "POST", "text/xml") == '<t>a&amp;b "c" &lt;d&gt;</t>'


def test_it_a_channel_the_person_did_not_choose_sends_nothing(
    cast, wecom, django_capture_on_commit_callbacks
):
    user = cast.user("county1_secretary")
    prefer(user, wecom_userid="zhangsan")  # an address, but the channel not chosen
    _notify(django_capture_on_commit_callbacks, user)
    assert not Dispatch.objects.exists() and wecom.requests == []
    assert outbox.Router().channels_for(user) == []
