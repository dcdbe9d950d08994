"""学习材料 (知责, issue 18) on a responsibility item's page: who adds, who reads, history."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from responsibilities import study
from responsibilities.models import StudyMaterial

pytestmark = pytest.mark.django_db


def test_it_shows_materials_on_the_item_page_and_lets_managers_add_them(
    cast, duty, client_for, django_assert_max_num_queries
):
    item = duty.items["c1_own"]
    secretary = client_for(cast.user("county1_secretary"))
    response = secretary.post(
        reverse("duty_item_material_add", args=[item.pk]),
        {
            "title": "问责对象",
            "source_article": "《中国共产党问责条例》第六条",
            "text": "党组织、党的领导干部",
        },
    )
    assert response.status_code == 302
    material = StudyMaterial.objects.get(item=item)
    assert material.org_path == item.org_path and material.history.count() == 1
    url = reverse("duty_item_detail", args=[item.pk])
    secretary.get(url)
    with django_assert_max_num_queries(40):
        page = secretary.get(url).content.decode()
    assert "《中国共产党问责条例》第六条" in page and "添加学习材料" in page


def test_it_refuses_a_blank_material_and_a_reader_who_may_not_manage(cast, duty, client_for):
    item = duty.items["c1_own"]
    secretary = client_for(cast.user("county1_secretary"))
    url = reverse("duty_item_material_add", args=[item.pk])
    assert secretary.post(url, {"title": "", "text": ""}).status_code == 400
    member = client_for(cast.user("county1_member"))
    assert member.post(url, {"title": "标题", "text": "内容"}).status_code == 403
    page = member.get(reverse("duty_item_detail", args=[item.pk])).content.decode()
    assert "添加学习材料" not in page
    with pytest.raises(PermissionDenied):
        study.add_material(item, actor=cast.user("county2_secretary"), title="标题", text="内容")
    assert not StudyMaterial.objects.exists()


def test_it_removes_a_material_keeping_its_history(cast, duty, client_for):
    item = duty.items["c1_own"]
    material = study.add_material(
        item, actor=cast.user("county1_secretary"), title="将被移除的材料", text="内容"
    )
    client = client_for(cast.user("county1_secretary"))
    url = reverse("duty_item_material_remove", args=[item.pk, material.pk])
    assert client.post(url).status_code == 302
    material.refresh_from_db()
    assert material.is_removed and material.history.count() == 2
    assert (
        "将被移除的材料"
        not in client.get(reverse("duty_item_detail", args=[item.pk])).content.decode()
    )
