from django.apps import AppConfig
from simple_history.signals import pre_create_historical_record

from liangge_zeren.actors import record_actor_in_history


class LianggeZerenConfig(AppConfig):
    name = "liangge_zeren"
    verbose_name = "两个责任"

    def ready(self) -> None:
        pre_create_historical_record.connect(
            record_actor_in_history, dispatch_uid="liangge_zeren.record_actor_in_history"
        )
