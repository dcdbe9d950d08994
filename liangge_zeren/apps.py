from django.apps import AppConfig


class LianggeZerenConfig(AppConfig):
    name = "liangge_zeren"
    verbose_name = "两个责任"
