"""Marking one message read with htmx also refreshes the unread counts (out-of-band swaps)."""

import pytest
from django.urls import reverse

from notifications.services import notify

pytestmark = pytest.mark.django_db


def test_it_the_htmx_answer_carries_the_row_and_both_counts(cast, client_for):
    user = cast.user("county1_secretary")
    first = notify(user, "第一条")
    notify(user, "第二条")
    notify(cast.user("county1_member"), "别人的")
    client = client_for(user)
    html = client.post(
        reverse("notifications:mark_read", args=[first.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f'id="n-{first.pk}"' in html and "标为已读" not in html
    assert 'id="lz-inbox-badge" ' in html and 'hx-swap-oob="outerHTML"' in html
    assert ">1</span>" in html  # the header badge: one unread left
    assert "1 条未读" in html  # the inbox heading


def test_it_the_full_page_badge_is_not_out_of_band(cast, client_for):
    user = cast.user("county1_secretary")
    notify(user, "第一条")
    html = client_for(user).get(reverse("notifications:inbox")).content.decode()
    assert "hx-swap-oob" not in html and 'id="lz-inbox-unread"' in html
