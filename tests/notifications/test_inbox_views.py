"""The inbox: own messages only, mark read, mark all read, badge, preferences."""

import pytest
from django.urls import reverse

from notifications.models import Notification, NotificationPreference
from notifications.services import notify


@pytest.fixture
def msgs(cast):
    mine = notify(cast.user("county1_secretary"), "整改任务 3 天后到期", link="/inspections/")
    other = notify(cast.user("county1_member"), "别人的消息")
    return mine, other


@pytest.mark.django_db
def test_it_lists_only_my_messages(client_for, cast, msgs):
    client = client_for(cast.user("county1_secretary"))
    html = client.get(reverse("notifications:inbox")).content.decode()
    assert "整改任务 3 天后到期" in html and "别人的消息" not in html


@pytest.mark.django_db
def test_it_shows_the_unread_badge_in_the_header(client_for, cast, msgs):
    client = client_for(cast.user("county1_secretary"))
    html = client.get(reverse("home")).content.decode()
    assert 'id="lz-inbox-badge"' in html and ">1</span>" in html
    assert client.get(reverse("notifications:badge")).content.decode().count(">1<") == 1


@pytest.mark.django_db
def test_it_marks_one_read_and_all_read(client_for, cast, msgs):
    mine, _other = msgs
    user = cast.user("county1_secretary")
    notify(user, "第二条")
    client = client_for(user)
    assert client.post(reverse("notifications:mark_read", args=[mine.pk])).status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert Notification.objects.get(title="别人的消息").read_at is None


@pytest.mark.django_db
def test_it_marks_read_with_htmx_and_returns_the_row(client_for, cast, msgs):
    mine, _ = msgs
    client = client_for(cast.user("county1_secretary"))
    response = client.post(
        reverse("notifications:mark_read", args=[mine.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and f'id="n-{mine.pk}"' in response.content.decode()


@pytest.mark.django_db
def test_it_opening_follows_the_link_and_marks_read(client_for, cast, msgs):
    mine, _ = msgs
    client = client_for(cast.user("county1_secretary"))
    response = client.get(reverse("notifications:open", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/inspections/"
    mine.refresh_from_db()
    assert mine.is_read


@pytest.mark.django_db
def test_it_never_follows_links_off_site(client_for, cast):
    msg = notify(cast.user("county1_secretary"), "x", link="https://evil.example/")
    response = client_for(cast.user("county1_secretary")).get(
        reverse("notifications:open", args=[msg.pk])
    )
    assert response["Location"] == reverse("notifications:detail", args=[msg.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "open", "mark_read"])
def test_it_hides_sibling_units(client_for, cast, msgs, name):
    mine, _ = msgs
    client = client_for(cast.user("county2_secretary"))
    url = reverse(f"notifications:{name}", args=[mine.pk])
    response = client.post(url) if name == "mark_read" else client.get(url)
    assert response.status_code == 404
    mine.refresh_from_db()
    assert mine.read_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["detail", "open", "mark_read"])
def test_it_requires_scope(client_for, cast, msgs, name):
    """Not even a superior sees a subordinate's inbox: messages belong to their recipient."""
    mine, _ = msgs
    for username in ("outsider", "city1_secretary", "county1_member"):
        client = client_for(cast.user(username))
        url = reverse(f"notifications:{name}", args=[mine.pk])
        response = client.post(url) if name == "mark_read" else client.get(url)
        assert response.status_code == 404, username


@pytest.mark.django_db
def test_it_the_inbox_needs_a_login(client):
    assert client.get(reverse("notifications:inbox")).status_code == 302


@pytest.mark.django_db
def test_it_the_inbox_query_count_does_not_grow_with_messages(
    client_for, cast, django_assert_max_num_queries
):
    user = cast.user("county1_secretary")
    client = client_for(user)
    for i in range(3):
        notify(user, f"消息{i}")
    # 17: the navbar asks the scoping kit whether to offer 任免 (grants, once a request).
    with django_assert_max_num_queries(17) as small:
        client.get(reverse("notifications:inbox"))
    for i in range(60):
        notify(user, f"更多{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("notifications:inbox"))
    assert response.content.decode().count('class="list-group-item') == 50


@pytest.mark.django_db
def test_it_saves_preferences(client_for, cast):
    user = cast.user("county1_secretary")
    client = client_for(user)
    assert client.get(reverse("notifications:preferences")).status_code == 200
    client.post(reverse("notifications:preferences"), {"daily_digest": "on"})
    pref = NotificationPreference.objects.get(user=user)
    assert pref.daily_digest and not pref.email_enabled
