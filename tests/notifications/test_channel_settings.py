"""Per-deployment switches: each channel is read from the environment at start, and one
switched on without what it needs stops the process (ImproperlyConfigured) — never a
silent default."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'channels': sorted(s.NOTIFICATION_CHANNELS), "
    "'wecom': getattr(s, 'WECOM', None), 'sms': getattr(s, 'SMS_GATEWAY', None), "
    "'dingtalk': getattr(s, 'DINGTALK', None), 'delivery': s.NOTIFY_DELIVERY, "
    "'beat': s.CELERY_BEAT_SCHEDULE['sweep-outbox']['task']}))"
)
ALL_ON = {
    "SITE_URL": "https://zeren.example.gov.cn",
    "NOTIFY_WECOM": "1",
    "WECOM_API_BASE": "https://wx.zj.gov.cn",
    "WECOM_CORP_ID": "wwcorp",
    "WECOM_AGENT_ID": "1000002",
    "WECOM_SECRET": "app-secret",
    "WECOM_LABEL": "浙政钉",
    "NOTIFY_DINGTALK": "1",
    "DINGTALK_WEBHOOK": "https://oapi.dingtalk.com/robot/send?access_token=abc",
    "DINGTALK_SECRET": "SECabc",
    "NOTIFY_SMS": "1",
    "SMS_GATEWAY_URL": "https://sms.example.gov.cn/send",
    "SMS_GATEWAY_AUTH_HEADER": "Authorization: Bearer t0ken",
    "SMS_GATEWAY_BODY": '{"phone":"${mobile}","msg":"${text}","id":"${message_id}"}',
    "SMS_GATEWAY_SUCCESS": "result.code=0",
}


def _start(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NOTIFY_", "WECOM_"))}
    clean.pop("SITE_URL", None)
    clean.update(VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="liangge_zeren.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", SHOW], cwd=BASE_DIR, env=clean, capture_output=True, text=True
    )


def test_it_every_channel_is_read_from_the_environment(tmp_path):
    run = _start(tmp_path, **ALL_ON)
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout.strip().splitlines()[-1])
    assert shown["channels"] == ["dingtalk", "email", "sms", "wecom"]
    assert shown["wecom"]["API_BASE"] == "https://wx.zj.gov.cn"
    assert shown["wecom"]["AGENT_ID"] == 1000002
    assert shown["sms"]["AUTH_HEADER"] == ["Authorization", "Bearer t0ken"]
    assert shown["sms"]["SUCCESS"] == ["result.code", "0"]
    assert shown["dingtalk"]["SECRET"] == "SECabc"
    assert shown["beat"] == "notifications.tasks.sweep_outbox"


def test_it_nothing_is_switched_on_by_default(tmp_path):
    run = _start(tmp_path)
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout.strip().splitlines()[-1])
    assert shown["channels"] == ["email"] and shown["wecom"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"WECOM_CORP_ID": ""}, "NOTIFY_WECOM=1 needs WECOM_CORP_ID"),
        ({"WECOM_AGENT_ID": "0"}, "NOTIFY_WECOM=1 needs WECOM_AGENT_ID"),
        ({"DINGTALK_WEBHOOK": ""}, "NOTIFY_DINGTALK=1 needs DINGTALK_WEBHOOK"),
        ({"SITE_URL": ""}, "need SITE_URL"),
        ({"SMS_GATEWAY_BODY": '{"to":"${phone}"}'}, "SMS_GATEWAY_BODY"),
        ({"SMS_GATEWAY_BODY": '{"msg":"${text}"}'}, "SMS_GATEWAY_BODY"),
        ({"SMS_GATEWAY_METHOD": "PUT"}, "SMS_GATEWAY_METHOD"),
        ({"SMS_GATEWAY_AUTH_HEADER": "Bearer t0ken"}, "SMS_GATEWAY_AUTH_HEADER"),
        ({"NOTIFY_DEFAULT_CHANNELS": "wecom,fax"}, "NOTIFY_DEFAULT_CHANNELS"),
        ({"NOTIFY_SEND_LEASE_SECONDS": "20"}, "NOTIFY_SEND_LEASE_SECONDS"),
        ({"NOTIFY_SMS": "perhaps"}, "is not a boolean"),
    ],
)
def test_it_a_channel_without_what_it_needs_stops_the_start(tmp_path, change, message):
    run = _start(tmp_path, **{**ALL_ON, **change})
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and message in run.stderr
