"""Which measures may be combined on one target in one decision (R10), from the editable
table `MeasureCombinationRule` (defaults: accountability/defaults.py COMBINATIONS).

One reading for the form (which kinds to offer for a target) and for the service (refuse a
kind, naming the rule): both call `refusal_for`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from accountability.models import (
    ORG_MEASURES,
    PERSON_MEASURES,
    AccountabilityMeasure,
    AccountabilityTarget,
    MeasureCombinationRule,
    MeasureKind,
)

Forbidden = dict[tuple[str, str], tuple[str, str]]  # (kind, other) sorted → (rule, basis)


def forbidden_pairs() -> Forbidden:
    """The pairs the table forbids (one query)."""
    return {
        (kind, other): (name, basis)
        for kind, other, name, basis in MeasureCombinationRule.objects.filter(
            effect=MeasureCombinationRule.Effect.FORBID
        ).values_list("kind", "other_kind", "name", "basis")
    }


def _pair(a: str, b: str) -> tuple[str, str]:
    first, second = sorted((a, b))
    return first, second


def refusal_for(
    kind: str, existing: Iterable[tuple[str, str]], forbidden: Forbidden | None = None
) -> str | None:
    """Why `kind` may not join the target's measures `existing` ((kind, label) of each, in
    order), or None. The first existing measure that a rule forbids decides; the rule is named."""
    forbidden = forbidden_pairs() if forbidden is None else forbidden
    for other_kind, other_label in existing:
        rule = forbidden.get(_pair(kind, other_kind))
        if rule is not None:
            name, basis = rule
            message = _("组合规则「%(rule)s」:该对象已有「%(other)s」,不能再给予「%(kind)s」。") % {
                "rule": name,
                "other": other_label,
                "kind": MeasureKind(kind).label,
            }
            return f"{message}({basis})" if basis else message
    return None


def in_force_measures(target: AccountabilityTarget) -> list[tuple[str, str]]:
    """(kind, label) of the target's measures in force, in the order they were recorded."""
    rows = AccountabilityMeasure.objects.filter(
        target=target, status=AccountabilityMeasure.Status.IN_FORCE
    ).order_by("pk")
    return [(m.kind, m.label) for m in rows]


def kinds_for(target_type: str) -> list[str]:
    measures = (
        ORG_MEASURES if target_type == AccountabilityTarget.TargetType.ORG else PERSON_MEASURES
    )
    return [kind for kind in MeasureKind.values if kind in measures]


def allowed_kinds(
    target_type: str, existing: Iterable[tuple[str, str]], forbidden: Forbidden | None = None
) -> list[str]:
    """The kinds a form offers for a target with these measures in force."""
    forbidden = forbidden_pairs() if forbidden is None else forbidden
    existing = list(existing)
    return [k for k in kinds_for(target_type) if refusal_for(k, existing, forbidden) is None]
