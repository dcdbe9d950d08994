"""python manage.py api_token USERNAME [--expires 30d] [--name NAME]: print a new personal token."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from security.tokens import issue_personal, parse_duration


class Command(BaseCommand):
    help = "签发个人接口令牌(令牌只显示这一次)。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--expires", default="", help="有效期,如 30d、12h、90m(默认不过期)")
        parser.add_argument("--name", default="", help="令牌名称")

    def handle(self, *args, username, expires, name, **options):
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号不存在:{username}")
        try:
            duration = parse_duration(expires) if expires else None
            token, secret = issue_personal(user, expires=duration, name=name, by=None)
        except (ValueError, ValidationError) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from exc
        self.stdout.write(secret)
        if token.expires_at:
            self.stderr.write(f"到期时间:{token.expires_at.isoformat()}")
