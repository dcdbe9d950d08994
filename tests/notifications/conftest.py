"""A county-1 rectification task and a list item with known due dates, for reminder tests."""

import datetime
from types import SimpleNamespace

import pytest

from responsibilities import duties
from tests.inspections.fixtures import make_finding, make_task
from tests.responsibilities.dutyfix import build_duty

TODAY = datetime.date.today()
DUE = TODAY + datetime.timedelta(days=20)


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def build_due_world(cast):
    from inspections.models import FindingResponsibility

    finding = make_finding(
        cast.user("county1_jw"),
        cast.county1,
        body=cast.bodies["T-K1:discipline"],
        title="整改提醒测试问题",
        responsibilities=[
            (cast.tenures["county1_secretary"], FindingResponsibility.Kind.PRINCIPAL)
        ],
    )
    task = make_task(cast.user("county1_jw"), finding, cast.tenures["county1_secretary"], due=DUE)
    return SimpleNamespace(cast=cast, finding=finding, task=task, due=DUE)


@pytest.fixture
def due_world(cast):
    return build_due_world(cast)


@pytest.fixture
def item_world(cast):
    duty = build_duty(cast)
    item = duties.update_item(duty.items["c1_own"], due_date=DUE, reason="设定完成时限")
    item.refresh_from_db()
    return SimpleNamespace(cast=cast, duty=duty, item=item, due=DUE)
