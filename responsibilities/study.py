"""学习材料 (知责, issue 18): what to read to know a responsibility item, shown on its page.

Writes are services; the unit's managers (or a superior's) add and remove materials while the
list is in force — learning material is not a change of the list itself."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangge_zeren.actors import Actor, actor_user, is_system, write_service
from responsibilities.models import ResponsibilityItem, StudyMaterial
from responsibilities.scoped import Capability, covers


class StudyMaterialForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    source_article = forms.CharField(
        label=gettext_lazy("出处条款"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("如《中国共产党纪律处分条例》第三十九条。"),
    )
    text = forms.CharField(label=gettext_lazy("内容"), widget=forms.Textarea(attrs={"rows": 5}))


def materials_of(item: ResponsibilityItem) -> QuerySet[StudyMaterial]:
    return StudyMaterial.objects.filter(item=item, is_removed=False).order_by("pk")


def may_edit(user, item: ResponsibilityItem) -> bool:
    return bool(user.has_perm("responsibilities.change_studymaterial", item))


def _check(actor: Actor, path: str) -> None:
    user = actor_user(actor)
    if not (is_system(actor) or (user is not None and covers(user, Capability.MANAGE, path))):
        raise PermissionDenied


@write_service
def add_material(
    item: ResponsibilityItem, *, actor: Actor, title: str, text: str, source_article: str = ""
) -> StudyMaterial:
    _check(actor, item.org_path)
    if not title.strip() or not text.strip():
        raise ValidationError(_("请填写学习材料的标题和内容。"))
    return StudyMaterial.objects.create(
        item=item,
        org=item.org,
        org_path=item.org_path,
        title=title.strip(),
        text=text.strip(),
        source_article=source_article.strip(),
    )


@write_service
def remove_material(material: StudyMaterial, *, actor: Actor) -> StudyMaterial:
    _check(actor, material.org_path)
    material.is_removed = True
    material.save(update_fields=["is_removed"])
    return material
