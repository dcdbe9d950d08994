"""Copy detection (照搬照抄): how much of a list repeats, verbatim, text it should have made
its own.

A list is compared with
- its template (the superior's list it was issued from, "1+X"), if any;
- every list of the same year of its unit's superiors (the ancestors on the path index),
  so a list typed from scratch with the superior's text pasted in is caught too;
- for a 一岗双责 list (team member), the other team members' lists of the same unit and
  year: members copying each other's duties instead of their own portfolio's.
All candidates come from one query (path prefixes, no walk over the tree)."""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher

from django.conf import settings
from django.db.models import Q

from liangge_zeren.actors import Actor, write_service
from responsibilities.models import (
    Organization,
    ResponsibilityItem,
    ResponsibilityList,
)
from security.business_audit import note_bulk


def normalise_text(text: str) -> str:
    """NFKC (full/half width unified), lower-case, without whitespace, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


def similarity(a: str, b: str) -> float:
    """Deterministic 0..1 similarity of two normalised texts."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def best_similarity(text: str, candidates: list[str]) -> float:
    """Highest similarity of `text` against candidates, skipping hopeless ones cheaply."""
    best = 0.0
    for candidate in candidates:
        matcher = SequenceMatcher(None, text, candidate, autojunk=False)
        if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
            continue
        best = max(best, matcher.ratio())
        if best >= 1.0:
            break
    return best


def comparison_q(duty_list: ResponsibilityList) -> Q:
    """The items `duty_list` is compared with (see the module doc); an empty Q never."""
    ancestors = [
        p for p in Organization.path_prefixes(duty_list.org_path) if p != duty_list.org_path
    ]
    q = Q(pk__in=[])
    if duty_list.template_id is not None:
        q |= Q(list_id=duty_list.template_id)
    if ancestors:
        q |= Q(org_path__in=ancestors, list__year=duty_list.year)
    if duty_list.subject_type == ResponsibilityList.SubjectType.TEAM_MEMBER:
        q |= Q(
            org_id=duty_list.org_id,
            list__year=duty_list.year,
            list__subject_type=ResponsibilityList.SubjectType.TEAM_MEMBER,
        ) & ~Q(list_id=duty_list.pk)
    return q


@write_service
def refresh_copy_detection(duty_list: ResponsibilityList, *, actor: Actor) -> ResponsibilityList:
    """Compare a list with its template, its superiors' lists and (一岗双责) its team peers;
    store per-item and per-list results.

    Each item is compared with every active candidate item (a pasted clause counts even if
    it was entered as the unit's own item). Two queries plus two bulk updates.
    """
    threshold = settings.COPY_SIMILARITY_THRESHOLD / 100
    candidate_texts = {
        normalise_text(t)
        for t in ResponsibilityItem.objects.filter(comparison_q(duty_list), is_active=True)
        .exclude(list__status=ResponsibilityList.Status.ARCHIVED)
        .values_list("content", flat=True)
    }
    template_texts = sorted(candidate_texts)
    items = list(duty_list.items.filter(is_active=True))
    for item in items:
        score = best_similarity(normalise_text(item.content), template_texts)
        item.similarity = round(score, 4)
        item.is_verbatim = score >= threshold
    ResponsibilityItem.objects.bulk_update(items, ["similarity", "is_verbatim"], batch_size=500)
    verbatim = sum(1 for item in items if item.is_verbatim)
    total = len(items)
    duty_list.verbatim_count = verbatim
    duty_list.localisation_ratio = round(1 - verbatim / total, 4) if total else None
    duty_list.copy_flagged = bool(total) and verbatim * 100 >= settings.COPY_FLAG_PERCENT * total
    computed = {
        "verbatim_count": duty_list.verbatim_count,
        "localisation_ratio": duty_list.localisation_ratio,
        "copy_flagged": duty_list.copy_flagged,
    }
    ResponsibilityList.objects.filter(pk=duty_list.pk).update(**computed)
    # One audit entry for the comparison (the items' scores are part of it).
    note_bulk(
        ResponsibilityList,
        None,
        computed,
        key=str(duty_list.pk),
        label=str(duty_list),
        org_path=duty_list.org_path,
    )
    note_bulk(
        ResponsibilityItem,
        None,
        {},
        key=f"list-{duty_list.pk}",
        label=str(duty_list),
        org_path=duty_list.org_path,
        scored=len(items),
        verbatim=verbatim,
    )
    return duty_list
