from notifications.channels import Channel


class BoomChannel(Channel):
    """A gateway that is down."""

    def send(self, notification, user):
        raise ConnectionError("gateway unreachable")


class SlowChannel(Channel):
    """A slow gateway (0.3 s a message) that logs each send to $SLOW_CHANNEL_LOG, one line per
    delivery id, so a test can kill a worker mid-job and count what went out."""

    def send(self, notification, user):
        import os
        import time

        time.sleep(float(os.environ.get("SLOW_CHANNEL_SECONDS", "0.3")))
        with open(os.environ["SLOW_CHANNEL_LOG"], "a") as out:
            out.write(f"{notification.delivery_id}\n")
