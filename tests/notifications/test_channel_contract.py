"""What leaves the system through the external channels, and where each switch is documented
(issue 16, "Reaching people where they work")."""

import re
from pathlib import Path

from notifications.channels import Message
from notifications.dingtalk import DingTalkRobotChannel
from notifications.sms import SMS_TITLE_CHARS, SmsGatewayChannel
from notifications.wecom import WeComChannel

BASE_DIR = Path(__file__).resolve().parents[2]
LONG_TITLE = "【督办】" + "关于一号县整改任务逾期未销号的情况" * 20
URL = "https://zeren.example.gov.cn/notifications/7/open/"
CHANNEL_PREFIXES = ("NOTIFY_", "WECOM_", "DINGTALK_", "SMS_", "SITE_URL", "NOTIFICATION_")


def test_it_documents_every_channel_switch_in_the_readme():
    settings_source = (BASE_DIR / "liangge_zeren" / "settings.py").read_text(encoding="utf-8")
    read = set(
        re.findall(r"""(?:env_\w+|_needed|_pair)\(\s*["']([A-Z][A-Z0-9_]+)["']""", settings_source)
    )
    switches = {name for name in read if name.startswith(CHANNEL_PREFIXES)}
    assert {"NOTIFY_WECOM", "NOTIFY_DINGTALK", "NOTIFY_SMS", "DINGTALK_SECRET"} <= switches
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    missing = sorted(name for name in switches if f"`{name}`" not in readme)
    assert missing == [], f"environment variables read by settings.py but not in README: {missing}"


def test_it_a_long_title_leaves_cut_short_with_only_its_link(settings):
    settings.WECOM = {
        "API_BASE": "https://qyapi.weixin.qq.com",
        "CORP_ID": "ww",
        "AGENT_ID": 1000002,
        "SECRET": "s",
        "DUPLICATE_CHECK_SECONDS": 14400,
    }
    settings.DINGTALK = {"WEBHOOK": "https://oapi.dingtalk.com/robot/send?access_token=a"}
    settings.SMS_GATEWAY = {
        "URL": "https://sms.example.gov.cn/send",
        "BODY": '{"mobile":"${mobile}","content":"${text}"}',
        "CONTENT_TYPE": "application/json",
    }
    message = Message(title=LONG_TITLE, url=URL, ref="lz-7", level_label="督办")

    card = WeComChannel().payload(message, "zhangsan")["textcard"]
    assert len(card["title"].encode("utf-8")) <= 128 and card["url"] == URL
    assert LONG_TITLE not in str(card)

    sms_text = SmsGatewayChannel().text(message)
    assert sms_text == f"{LONG_TITLE[: SMS_TITLE_CHARS - 1]}… {URL}"

    robot = DingTalkRobotChannel().payload(message, "13800000001")
    assert URL in robot["markdown"]["text"]
    assert LONG_TITLE[:12] not in str(robot)  # a group chat gets no title at all
