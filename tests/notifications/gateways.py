"""Test channels: a gateway that is down, and a slow one that logs what it sent."""

from typing import Any

from notifications.channels import Channel, Message, NotDelivered


class BoomChannel(Channel):
    """A gateway that is down (the connection is refused: certainly not delivered)."""

    label = "boom"

    def address(self, user: Any, preference: Any) -> str:
        return user.get_username()

    def send(self, message: Message, address: str) -> str:
        raise NotDelivered("gateway unreachable")


class SlowChannel(Channel):
    """A slow gateway ($SLOW_CHANNEL_SECONDS a message) that logs each send to
    $SLOW_CHANNEL_LOG, one line per message reference, so a test can kill a worker
    mid-send and count what went out. It keeps no idempotency key."""

    label = "slow"

    def address(self, user: Any, preference: Any) -> str:
        return user.get_username()

    def send(self, message: Message, address: str) -> str:
        import os
        import time

        time.sleep(float(os.environ.get("SLOW_CHANNEL_SECONDS", "0.3")))
        with open(os.environ["SLOW_CHANNEL_LOG"], "a") as out:
            out.write(f"{message.ref}\n")
        return ""
