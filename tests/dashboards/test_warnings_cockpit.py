"""The cockpit lists each warning with its rule and a link to its rows (issue 18); the rows page
shows only units in the viewer's scope, and its query count is pinned."""

import pytest
from django.urls import reverse

from assessments.models import WarningRule

pytestmark = pytest.mark.django_db

Code = WarningRule.Code


@pytest.fixture
def overloaded(cast):
    """The provincial department's stationed team is flagged (its one department > 0)."""
    WarningRule.objects.filter(code=Code.STATIONED_OVERLOAD).update(max_departments=0)
    return cast


def test_it_shows_each_warning_with_its_rule_and_a_link(overloaded, client_for):
    cast = overloaded
    client = client_for(cast.user("prov_jw"))
    page = client.get(reverse("dashboards:cockpit", args=[cast.province.pk])).content.decode()
    for code, label in Code.choices:
        assert f'data-testid="warning-{code}"' in page
        assert str(label) in page
        assert reverse("dashboards:warning_rows", args=[cast.province.pk, code]) in page
    assert "派驻单位超过0个" in page  # the rule in plain words, with its threshold


def test_it_lists_the_flagged_rows_with_their_figures(overloaded, client_for):
    cast = overloaded
    client = client_for(cast.user("prov_secretary"))
    url = reverse("dashboards:warning_rows", args=[cast.province.pk, Code.STATIONED_OVERLOAD])
    page = client.get(url).content.decode()
    assert "省纪委监委驻省教育厅纪检监察组" in page
    assert "派驻单位超过0个" in page
    assert f'data-testid="flag-{cast.department.pk}"' in page
    # The province secretary has no discipline jurisdiction: the case figures are "—".
    assert "lz-figure-hidden" in page


def test_it_keeps_other_units_warnings_out_of_scope(overloaded, client_for):
    cast = overloaded
    client = client_for(cast.user("county1_secretary"))
    url = reverse("dashboards:warning_rows", args=[cast.county1.pk, Code.STATIONED_OVERLOAD])
    page = client.get(url).content.decode()
    assert "省纪委监委驻省教育厅纪检监察组" not in page
    assert "没有触发该预警的单位或人员" in page
    other = reverse("dashboards:warning_rows", args=[cast.province.pk, Code.STATIONED_OVERLOAD])
    assert client.get(other).status_code == 404
    county2 = reverse("dashboards:warning_rows", args=[cast.county2.pk, Code.STATIONED_OVERLOAD])
    assert client.get(county2).status_code == 404


def test_it_refuses_an_unknown_or_disabled_rule(overloaded, client_for):
    cast = overloaded
    client = client_for(cast.user("prov_jw"))
    assert (
        client.get(reverse("dashboards:warning_rows", args=[cast.province.pk, "nope"])).status_code
        == 404
    )
    WarningRule.objects.filter(code=Code.STATIONED_OVERLOAD).update(is_active=False)
    url = reverse("dashboards:warning_rows", args=[cast.province.pk, Code.STATIONED_OVERLOAD])
    assert client.get(url).status_code == 404


def test_it_pins_the_rows_page_query_count(overloaded, client_for, django_assert_max_num_queries):
    cast = overloaded
    client = client_for(cast.user("prov_jw"))
    url = reverse("dashboards:warning_rows", args=[cast.province.pk, Code.STATIONED_OVERLOAD])
    client.get(url)  # the first request after login also saves the session
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
