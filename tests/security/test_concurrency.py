"""Two people edit the same organisation: the second save gets a clear conflict, nothing lost."""

from django.urls import reverse

from responsibilities.models import Organization


def _form(org, **changes):
    data = {"name": org.name, "kind": org.kind, "version": org.version}
    if org.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


def test_it_the_second_save_gets_a_conflict_showing_what_changed(client_for, cast):
    org = Organization.objects.get(pk=cast.county1.pk)
    url = reverse("org_edit", args=[org.pk])
    first = client_for(cast.user("county1_secretary"))
    loaded_by_both = _form(org)
    assert 'name="version"' in first.get(url).content.decode()

    response = first.post(url, {**loaded_by_both, "name": "一号县(更名)"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).version == org.version + 1

    second = client_for(cast.user("city1_secretary"))
    response = second.post(url, {**loaded_by_both, "name": "一号县人民政府驻地"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "保存冲突" in page
    assert "county1_secretary" in page
    assert "名称:您打开时为“一号县”,现在为“一号县(更名)”" in page
    # The second person's input is still in the form; the stored row is the first save.
    assert 'value="一号县人民政府驻地"' in page
    assert Organization.objects.get(pk=org.pk).name == "一号县(更名)"

    # Saving again (the form now carries the current version) is a deliberate overwrite.
    current = Organization.objects.get(pk=org.pk)
    response = second.post(
        url, {**loaded_by_both, "name": "一号县人民政府驻地", "version": current.version}
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).name == "一号县人民政府驻地"


def test_it_an_unchanged_record_saves_without_conflict(client_for, cast):
    org = Organization.objects.get(pk=cast.county1.pk)
    c = client_for(cast.user("county1_secretary"))
    response = c.post(reverse("org_edit", args=[org.pk]), _form(org, name="新名称"))
    assert response.status_code == 302
    assert Organization.objects.get(pk=org.pk).name == "新名称"
