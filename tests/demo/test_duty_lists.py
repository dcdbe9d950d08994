"""seed_demo's lists, owners, letters and logs (demo/duty_lists.py)."""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from demo import org_tree, steps
from responsibilities import gap_matrix, letters, method_mix
from responsibilities.models import (
    DutyLog,
    DutyReport,
    ResponsibilityLetter,
    ResponsibilityList,
    Tenure,
)
from responsibilities.selectors import my_items_with_progress

# The modules of group demo_world run one after the other on one worker (make test: --dist
# loadgroup) and share one demo seed (tests/conftest.py: demo_world).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_world")]


@pytest.fixture(scope="module")
def tree(demo_world):
    """The demo province, seeded once for the consecutive modules that share it."""
    return demo_world.tree


def test_it_every_city_and_county_adopts_the_province_template(tree):
    year = timezone.localdate().year
    template = ResponsibilityList.objects.get(org=tree.province, year=year, is_template=True)
    adopted = template.adoptions.all()
    assert adopted.count() == 18
    assert set(adopted.values_list("status", flat=True)) == {"in_force"}
    assert adopted.get(org=tree.county2).copy_flagged
    assert not adopted.get(org=tree.county1).copy_flagged
    assert adopted.filter(copy_flagged=True).count() == 1
    assert template.items.filter(is_ad_hoc=True).count() == 1


def test_it_county1_has_one_gap_and_one_overlap(tree):
    matrix = gap_matrix.gap_matrix(tree.county1, timezone.localdate().year)
    assert len(matrix.items_without_lead) == 1
    assert len(matrix.items_with_several_leads) == 1
    assert matrix.portfolios_without_item == [] and matrix.members_without_item == []
    other = gap_matrix.gap_matrix(tree.org("JH-C02-K01"), timezone.localdate().year)
    assert not other.has_problems


def test_it_letters_are_signed_and_the_chains_verify(tree):
    signed = ResponsibilityLetter.objects.filter(org=tree.county1, status="signed")
    assert signed.filter(signee_tenure__person__user__username="county1_member").exists()
    assert signed.filter(signee_tenure__person__user__username="county1_secretary").exists()
    checked, breaks = letters.verify_chains()
    assert checked >= 4 and breaks == []


def test_it_a_year_of_logs_with_a_healthy_and_a_meeting_heavy_county(tree):
    year, quarter = method_mix.current_quarter()
    logs = DutyLog.objects.filter(occurred_on__year=year)
    assert logs.filter(org=tree.county1).count() > 50
    assert set(logs.values_list("status", flat=True)) >= {"accepted", "submitted", "returned"}
    assert logs.filter(org=tree.county1, is_late_entry=True).count() == 1
    assert logs.filter(items__isnull=False).annotate().exists()
    rows = {
        r.label: r
        for r in method_mix.method_mix(
            DutyLog.objects.filter(org_path__startswith=tree.city1.path), year, quarter, by="org"
        )
    }
    assert rows["河湾区"].warning
    assert not rows["东溪县"].warning


def test_it_county1_member_sees_progress_on_the_home_page(tree):
    tenure = Tenure.objects.get(person__user__username="county1_member", end_date__isnull=True)
    items = my_items_with_progress(tenure)
    assert len(items) >= 4
    assert all(i.progress.state in {"green", "yellow", "red"} for i in items)
    assert DutyReport.objects.filter(org=tree.county1, tenure=tenure, status="submitted").exists()


def test_it_a_second_run_creates_no_lists_logs_or_letters(tree):
    before = (
        ResponsibilityList.objects.count(),
        DutyLog.objects.count(),
        ResponsibilityLetter.objects.count(),
    )
    ctx = steps.run_demo(org_tree.DemoContext(password=django_settings.DEMO_PASSWORD))
    after = (
        ResponsibilityList.objects.count(),
        DutyLog.objects.count(),
        ResponsibilityLetter.objects.count(),
    )
    assert after == before
    assert not any(k.startswith(("duty", "letters")) for k in ctx.created)
