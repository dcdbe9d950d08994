"""`manage.py seed_demo`: the demo province and, optionally, a large synthetic tree.

The steps, in order, are in demo/steps.py (DEMO_STEPS, SCALE_STEPS).
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import org_tree, steps


class Command(BaseCommand):
    help = (
        "建立演示数据: 虚构的江淮省 (1 省、5 市、13 县、乡镇街道、部门、派驻纪检监察组、"
        "人员与任职, 含已离任的前任) 及演示账号 (admin, prov_secretary, prov_jw, "
        "city1_secretary, city1_jw, county1_secretary, county1_member, county1_jw, "
        "county2_secretary), 密码为 settings.DEMO_PASSWORD。可重复运行: 已存在的数据不改动, "
        "已存在账号的密码不重置 (除非加 --reset-passwords)。DEBUG 关闭时需加 --force。 "
        "Builds the demo province and login accounts (password: settings.DEMO_PASSWORD). "
        "Idempotent: existing rows are left untouched and passwords are set only when an "
        "account is created, so a password a user changed is kept unless --reset-passwords. "
        "Refuses to run with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["demo", *org_tree.SCALE_SHAPES],
            default="demo",
            help=(
                "demo: 仅演示省 (only the demo province); city: 另建约 2,000 个组织、约 1 万人的"
                "规模数据 (plus ≈2,000 organisations, ≈10,000 people and tenures); province: "
                "约 2 万个组织、约 10 万人 (≈20,000 organisations, ≈100,000 people). "
                "规模数据在独立根组织 SCALE-<scale> 下, 已存在则跳过 "
                "(under its own root SCALE-<scale>; skipped if it exists)."
            ),
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="DEBUG 关闭时也运行 (run even with DEBUG off).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=(
                "把已存在的演示账号密码重置为 DEMO_PASSWORD "
                "(reset existing demo accounts' passwords to DEMO_PASSWORD)."
            ),
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG 未开启: 演示数据只用于开发和演示环境; 确需写入请加 --force。"
                " / DEBUG is off: seed_demo is meant for development and demo databases;"
                " pass --force to run it anyway."
            )
        password = settings.DEMO_PASSWORD
        if not password:
            raise CommandError("DEMO_PASSWORD 为空 (DEMO_PASSWORD is empty).")

        def log(message: str) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(message)

        started = time.perf_counter()
        log("演示数据 (demo province) …")
        steps.run_demo(
            org_tree.DemoContext(
                password=password, reset_passwords=options["reset_passwords"], log=log
            )
        )
        scale = options["scale"]
        if scale != "demo":
            steps.build_scale(scale, org_tree.SCALE_SHAPES[scale], log=log)
        log(self.style.SUCCESS(f"完成 (done) in {time.perf_counter() - started:.1f} s"))
