"""/accountability/statistics/: "应双查案件 0 件" and 四种形态 all 0 for a viewer who may not
see disciplinary cases must be "—" (无权查看), while the commission sees the real numbers;
a discipline officer's figures say they count only what they may see (issue 14)."""

import json

import pytest
from django.urls import reverse

from accountability.services import disciplinary
from tests.accountability.fixtures import TODAY, register_dcase

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(cast):
    return disciplinary.decide_disciplinary_case(
        register_dcase(cast),
        actor=cast.user("county1_jw"),
        decided_on=TODAY,
        four_form=3,
        party_sanction="removal_from_party_posts",
    )


def _stats(client_for, user):
    return client_for(user).get(reverse("accountability:statistics"))


def test_it_shows_a_dash_to_a_viewer_who_may_not_see_cases(cast, decided, client_for):
    page = _stats(client_for, cast.user("county1_secretary"))
    body = page.content.decode()
    assert "应双查案件 0 件" not in body
    assert '应双查案件 <span class="lz-figure-hidden" title="无权查看">—' in body
    assert all(row["count"].is_hidden for row in page.context["four_forms"])
    chart = json.loads(page.context["chart_json"])
    assert [f["value"] for f in chart["forms"]] == [None] * len(chart["forms"])


def test_it_shows_the_commission_the_real_numbers(cast, decided, client_for):
    page = _stats(client_for, cast.user("city1_jw"))
    body = page.content.decode()
    assert "应双查案件 1 件" in body
    assert "仅含您有权查看的" in body
    counts = {str(r["form"]): r["count"] for r in page.context["four_forms"]}
    assert sum(counts.values()) == 1
    chart = json.loads(page.context["chart_json"])
    assert sum(f["value"] for f in chart["forms"]) == 1
