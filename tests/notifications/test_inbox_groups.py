"""Issue 17 item 7: 督办 messages name their unit, and one item's repeats are one inbox line."""

import datetime

import pytest
from django.urls import reverse

from notifications import jobs
from notifications.models import Notification, SupervisionNotice
from notifications.services import notify
from tests.inspections.fixtures import make_finding, make_task
from tests.notifications.conftest import DUE

pytestmark = pytest.mark.django_db

ITEM = "违规吃喝问题专项整治"
GROUP = f"【督办】整改任务: 整改:{ITEM}"


@pytest.fixture
def escalated(cast):
    """The same overdue task in both counties of city 1, escalated to the city's leaders."""
    from inspections.models import FindingResponsibility

    for org, owner in ((cast.county1, "county1_secretary"), (cast.county2, "county2_secretary")):
        finding = make_finding(
            cast.user("city1_jw"),
            org,
            body=cast.bodies["T-C1:discipline"],
            title=ITEM,
            responsibilities=[(cast.tenures[owner], FindingResponsibility.Kind.PRINCIPAL)],
        )
        make_task(cast.user("city1_jw"), finding, cast.tenures[owner], due=DUE)
    assert jobs.run("inspections.escalate_tasks", DUE + datetime.timedelta(days=7))["sent"] == 4
    return cast.user("city1_secretary")


def test_it_each_escalation_title_names_its_unit(escalated):
    titles = set(Notification.objects.filter(recipient=escalated).values_list("title", "group"))
    assert titles == {
        (f"【督办】一号县 · 整改任务: 整改:{ITEM}", GROUP),
        (f"【督办】二号县 · 整改任务: 整改:{ITEM}", GROUP),
    }
    notices = SupervisionNotice.objects.filter(addressee=escalated)
    assert {n.title.split(" · ")[0] for n in notices} == {"【督办】一号县", "【督办】二号县"}


def test_it_the_inbox_shows_the_repeats_as_one_line_with_a_count(escalated, client_for):
    notify(escalated, "另一条消息")
    html = client_for(escalated).get(reverse("notifications:inbox")).content.decode()
    assert html.count('class="list-group-item') == 2
    assert GROUP in html and "2 条" in html
    newest = Notification.objects.filter(recipient=escalated, group=GROUP).latest("pk")
    assert reverse("notifications:group", args=[newest.pk]) in html


def test_it_the_group_page_lists_every_unit_and_marks_them_read(escalated, client_for):
    client = client_for(escalated)
    member = Notification.objects.filter(recipient=escalated, group=GROUP).first()
    html = client.get(reverse("notifications:group", args=[member.pk])).content.decode()
    assert "【督办】一号县" in html and "【督办】二号县" in html
    assert "2 条未读" in html

    client.post(reverse("notifications:mark_group_read", args=[member.pk]))
    assert not Notification.objects.filter(recipient=escalated, read_at__isnull=True).exists()
    unread = client.get(reverse("notifications:inbox") + "?show=unread").content.decode()
    assert "list-group-item" not in unread


def test_it_marking_one_of_a_group_read_leaves_the_line_with_the_rest_unread(escalated, client_for):
    client = client_for(escalated)
    first = Notification.objects.filter(recipient=escalated, group=GROUP).earliest("pk")
    client.post(reverse("notifications:mark_read", args=[first.pk]))
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert "2 条" in html and "1 条未读" in html
    unread = client.get(reverse("notifications:inbox") + "?show=unread").content.decode()
    assert unread.count('class="list-group-item') == 1  # the unread one, on its own


def test_it_a_group_is_only_its_recipients(escalated, client_for, cast):
    member = Notification.objects.filter(recipient=escalated, group=GROUP).first()
    other = client_for(cast.user("city1_jw"))  # has the same group in their own inbox
    assert other.get(reverse("notifications:group", args=[member.pk])).status_code == 404
    assert other.post(reverse("notifications:mark_group_read", args=[member.pk])).status_code == 404
    assert Notification.objects.filter(recipient=escalated, read_at__isnull=True).count() == 2


def test_it_the_inbox_query_count_does_not_grow_with_groups(
    cast, client_for, django_assert_max_num_queries
):
    user = cast.user("county1_secretary")
    client = client_for(user)
    for i in range(3):
        notify(user, f"【督办】单位{i} · 事项", group="【督办】事项")
        notify(user, f"消息{i}")
    # 17: the navbar asks the scoping kit whether to offer 任免 (grants, once a request).
    with django_assert_max_num_queries(17) as small:
        client.get(reverse("notifications:inbox"))
    for i in range(50):
        if i < 40:
            notify(user, f"【督办】单位{i} · 事项{i % 4}", group=f"【督办】事项{i % 4}")
        notify(user, f"更多{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("notifications:inbox"))
    html = response.content.decode()
    assert html.count('class="list-group-item') == 50  # a full page of lines
    assert "10 条" in html  # each of the four groups has ten messages


def test_it_a_duty_item_escalation_names_its_unit_and_groups_by_item(item_world):
    """The issue's case: "【督办】10. 开展…" 18 times — now the unit leads each title."""
    assert jobs.run("responsibilities.escalate_items", item_world.due + datetime.timedelta(days=7))
    sent = Notification.objects.filter(recipient=item_world.cast.user("city1_secretary"))
    (title, group) = sent.values_list("title", "group").get()
    assert title == f"【督办】一号县 · {item_world.item}"
    assert group == f"【督办】{item_world.item}"
