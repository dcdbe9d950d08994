"""The 知责 demo step: the province's bank, county 1's test with some attempts; idempotent."""

from collections import Counter

import pytest

from assessments.models import KnowledgeAssignment, KnowledgeQuestion, KnowledgeTest
from demo.knowledge import QUESTIONS, step_knowledge
from liangge_zeren.actors import DEMO, acting

# The modules of group demo_world run one after the other on one worker (make test: --dist
# loadgroup) and share one demo seed (tests/conftest.py: demo_world).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_world")]


@pytest.fixture(scope="module")
def demo_ctx(demo_world):
    """The whole demo province, shared with the other modules of the group."""
    return demo_world


def test_it_seeds_the_bank_and_a_test_in_county1_with_some_attempts(demo_ctx):
    province = demo_ctx.tree.province
    assert KnowledgeQuestion.objects.filter(org=province).count() == len(QUESTIONS) >= 15
    for question in KnowledgeQuestion.objects.filter(org=province):
        assert question.source_article.startswith("《中国共产党")
    test = KnowledgeTest.objects.get(org=demo_ctx.tree.orgs["JH-C01-K01"])
    sheets = {
        s.person.user.username: s
        for s in KnowledgeAssignment.objects.filter(test=test).select_related("person__user")
    }
    assert set(sheets) == {"county1_secretary", "county1_member", "county1_jw_secretary"}
    assert sheets["county1_jw_secretary"].score == 90
    assert sheets["county1_secretary"].score == 80
    assert not sheets["county1_member"].is_taken


def test_it_a_second_run_creates_nothing(demo_ctx):
    demo_ctx.created = Counter()
    with acting(DEMO):
        step_knowledge(demo_ctx)
    assert not demo_ctx.created
