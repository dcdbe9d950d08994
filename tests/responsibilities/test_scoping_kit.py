"""The clause kit itself: combining Qs, negation, and relocating clauses onto copied columns."""

from types import SimpleNamespace

import pytest
from django.db.models import Q

from responsibilities.scoping import (
    NOTHING,
    Capability,
    Nobody,
    Not,
    PathClause,
    RelatedClause,
    UserClause,
    any_q,
    field_eq,
    is_set,
    relocate,
)


def test_it_an_empty_q_in_an_or_matches_every_row():
    # Django's `Q(pk__in=[]) | Q()` keeps only the empty-list side; the kit must not.
    assert any_q([NOTHING, Q()]) == Q()
    assert any_q([NOTHING]) is NOTHING
    assert any_q([NOTHING, Q(a=1), Q(b=2)]) == Q(a=1) | Q(b=2)


def test_it_not_of_a_clause_that_matches_nothing_matches_everything():
    user = SimpleNamespace(is_authenticated=False, pk=None)
    assert Not(Nobody()).q(user) == Q()
    assert Not(Nobody()).matches(user, object())
    assert Not(UserClause("user_id")).q(user) == Q()


def test_it_conditions_are_both_a_test_and_a_q():
    cond = field_eq("side", "principal") & is_set("delivered_at")
    assert cond.test(SimpleNamespace(side="principal", delivered_at=1))
    assert not cond.test(SimpleNamespace(side="principal", delivered_at=None))
    assert cond.q == Q(side="principal") & Q(delivered_at__isnull=False)


def test_it_relocation_renames_lookups_and_swaps_named_conditions():
    open_ = (~field_eq("finding__upward_channel", True)).named("not_secret")
    clause = PathClause(Capability.VIEW, "finding__org_path", when=open_ & field_eq("x", 1))
    (moved,) = relocate(
        [clause], {"finding__org_path": "finding_org_path"}, {"not_secret": field_eq("s", False)}
    )
    assert moved.lookup == "finding_org_path"
    assert moved.when.q == Q(s=False) & Q(x=1)


def test_it_relocation_refuses_what_it_cannot_copy():
    with pytest.raises(ValueError):
        relocate([PathClause(Capability.VIEW, "finding__org_path")], {}, {})
    with pytest.raises(ValueError):
        relocate([RelatedClause("responsibilities.Tenure", "person", Nobody())], {}, {})
