"""Quarterly snapshots: inputs, reproducibility, roll-up, publish locking, adjustments."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from assessments import authority
from assessments.models import AssessmentSnapshot, EvaluationInput, Indicator, IndicatorSet
from assessments.services import evaluations, snapshots
from liangge_zeren.actors import COMMAND, JOBS
from liangge_zeren.workflow import TransitionRefused
from tests.assessments.conftest import QUARTER, YEAR

pytestmark = pytest.mark.django_db


def snap(cast, key):
    return AssessmentSnapshot.objects.get(org=getattr(cast, key), year=YEAR, quarter=QUARTER)


def test_it_scores_each_unit_from_its_own_records(quarter):
    cast = quarter.cast
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    c1 = snap(cast, "county1")
    assert c1.inputs["logs"]["study_session"] == 3
    assert c1.inputs["logs"]["talk"] == 3
    assert c1.inputs["logs"]["supervision_visit"] == 0  # April is not in Q1
    s = c1.scores
    assert s["L1"]["score"] == "8.00"  # 3 study sessions, threshold 3
    assert s["M2"]["score"] == "5.00"  # 1 committee meeting
    assert s["L3"]["score"] == "7.00"  # base 4 + bonus 2 + 1 beyond 2 talks
    assert s["D1"]["score"] == "0.00"
    assert s["M1"]["score"] == "0.00"  # no collective list in force
    assert c1.total == sum(Decimal(v["score"]) for v in s.values())
    assert snap(cast, "county2").inputs["logs"]["study_session"] == 1
    assert c1.rule_version and c1.indicator_set_version == 1


def test_it_recomputing_the_same_data_gives_identical_snapshots(quarter):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    before = {
        s.org_id: (
            s.inputs_sha256,
            s.scores,
            s.total,
            s.traffic_light,
            s.subtree_average,
            s.computed_at,
        )
        for s in AssessmentSnapshot.objects.all()
    }
    history = AssessmentSnapshot.history.count()
    result = snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    assert result.created == result.updated == 0 and result.unchanged == len(before)
    after = {
        s.org_id: (
            s.inputs_sha256,
            s.scores,
            s.total,
            s.traffic_light,
            s.subtree_average,
            s.computed_at,
        )
        for s in AssessmentSnapshot.objects.all()
    }
    assert after == before
    assert AssessmentSnapshot.history.count() == history


def test_it_rolls_up_the_subtree_with_path_prefixes(quarter):
    cast = quarter.cast
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    snaps = {s.org_id: s for s in AssessmentSnapshot.objects.all()}
    under_city = [s for s in snaps.values() if s.org_path.startswith(cast.city1.path)]
    city = snaps[cast.city1.pk]
    assert city.subtree_units == len(under_city) >= 4  # city 1, counties 1 and 2, township 1
    expected = sum(s.total for s in under_city) / len(under_city)
    assert city.subtree_average == expected.quantize(Decimal("0.01"))
    assert sum(city.subtree_lights.values()) == len(under_city)
    province = snaps[cast.province.pk]
    assert province.subtree_units == len(snaps)
    county2 = snaps[cast.county2.pk]
    assert county2.subtree_units == 1 and county2.subtree_average == county2.total


def test_it_the_rollup_reads_the_quarter_once_and_writes_once(quarter, django_assert_num_queries):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    before = list(
        AssessmentSnapshot.objects.order_by("pk").values_list(
            "subtree_units", "subtree_average", "subtree_lights"
        )
    )
    AssessmentSnapshot.objects.update(subtree_units=0)
    # one read of the quarter's snapshots, one UPDATE of every changed draft
    with django_assert_num_queries(2) as ctx:
        assert snapshots.rollup(YEAR, QUARTER) == len(before)
    read, write = (q["sql"].upper() for q in ctx.captured_queries)
    assert read.startswith("SELECT") and "JOIN" not in read
    assert write.startswith("UPDATE") and " FROM (VALUES" in write
    after = list(
        AssessmentSnapshot.objects.order_by("pk").values_list(
            "subtree_units", "subtree_average", "subtree_lights"
        )
    )
    assert after == before
    # Nothing changed: nothing written.
    with django_assert_num_queries(1):
        assert snapshots.rollup(YEAR, QUARTER) == 0


def test_it_compute_queries_do_not_grow_with_units(quarter, django_assert_max_num_queries):
    from responsibilities import services as org_services
    from responsibilities.models import Organization

    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    # 26: the sources of issue 18 add a fixed number each (questionnaire scores and third-party
    # reports, the 知责 tests, the warning rules and their selectors), none per unit.
    with django_assert_max_num_queries(26) as few:
        snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    for i in range(8):
        org = org_services.create_organization(
            code=f"T-X{i + 10}",
            name=f"镇{i}",
            kind=Organization.Kind.TOWNSHIP,
            parent=quarter.cast.county1,
            actor=COMMAND,
        )
        org_services.create_body(
            code=f"T-X{i + 10}-PC",
            org=org,
            kind="party_committee",
            name=f"镇{i}党委",
            actor=COMMAND,
        )
    # + bulk insert/history, and one audit append for the new snapshots (head lock, the
    # entries in one insert, head update): constant, however many units were added.
    with django_assert_max_num_queries(len(few.captured_queries) + 8):
        snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)


def test_it_a_draft_follows_the_data_until_published_then_never_changes(quarter):
    cast = quarter.cast
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    city1_secretary = cast.user("city1_secretary")
    published = snapshots.publish_snapshot(snap(cast, "county1"), actor=city1_secretary)
    frozen = (published.total, published.scores, published.inputs_sha256)

    evaluations.record_input(
        org=cast.county1,
        year=YEAR,
        quarter=QUARTER,
        actor=city1_secretary,
        kind=EvaluationInput.Kind.CONCEALED_PROBLEMS,
        values={"count": 2},
    )
    evaluations.record_input(
        org=cast.county2,
        year=YEAR,
        quarter=QUARTER,
        actor=city1_secretary,
        kind=EvaluationInput.Kind.CONCEALED_PROBLEMS,
        values={"count": 2},
    )
    result = snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    assert result.locked == 1
    c1 = snap(cast, "county1")
    assert (c1.total, c1.scores, c1.inputs_sha256) == frozen
    c2 = snap(cast, "county2")
    assert c2.scores["D3"]["score"] == "6.00"  # concealed counts double: 10 − 2×2

    with pytest.raises(ValidationError):
        c1.total = Decimal("1")
        c1.save()
    with pytest.raises(TransitionRefused):
        snapshots.publish_snapshot(snap(cast, "county1"), actor=city1_secretary)
    with pytest.raises(TransitionRefused):
        snapshots.recompute_snapshot(snap(cast, "county1"), actor=JOBS)
    with pytest.raises(TransitionRefused):
        snapshots.adjust(
            org=cast.county1,
            year=YEAR,
            quarter=QUARTER,
            points=1,
            reason="x",
            actor=city1_secretary,
        )


def test_it_only_a_superior_may_publish(quarter):
    cast = quarter.cast
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    c1 = snap(cast, "county1")
    for name in ("county1_secretary", "county2_secretary", "county1_member", "outsider"):
        with pytest.raises(PermissionDenied):
            snapshots.publish_snapshot(c1, actor=cast.user(name))
    assert not authority.may_publish(cast.user("city1_secretary"), snap(cast, "province"))
    snapshots.publish_snapshot(c1, actor=cast.user("prov_secretary"))  # any superior up the line


def test_it_manual_adjustments_need_a_reason_and_are_applied(quarter):
    cast = quarter.cast
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    user = cast.user("city1_secretary")
    before = snap(cast, "county1").total
    with pytest.raises(ValidationError):
        snapshots.adjust(
            org=cast.county1, year=YEAR, quarter=QUARTER, points=-2, reason="  ", actor=user
        )
    snapshots.adjust(
        org=cast.county1,
        year=YEAR,
        quarter=QUARTER,
        points=-2,
        reason="问责案件办理超期",
        indicator_code="Z1",
        actor=user,
    )
    snapshots.recompute_snapshot(snap(cast, "county1"), actor=JOBS)
    after = snap(cast, "county1")
    assert after.scores["Z1"]["score"] == "3.00"  # Z1 is worth 5 since P4 (issue 18)
    assert after.total == before - 2


def test_it_rollup_quarter_command(quarter, capsys):
    call_command("rollup_quarter", "2026Q1")
    assert AssessmentSnapshot.objects.filter(year=2026, quarter=1).exists()
    call_command("rollup_quarter", "2026Q1")
    assert '"unchanged"' in capsys.readouterr().out
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("rollup_quarter", "2026-13")


def test_it_the_rollup_job_takes_the_quarter_before_the_day(quarter):
    import datetime

    from notifications import jobs

    result = jobs.run("assessments.rollup", datetime.date(2026, 4, 5))
    assert result["period"] == "2026Q1" and result["created"] > 0


def test_it_writes_new_snapshots_once_with_their_subtree_figures(quarter):
    # compute_quarter rolls up the rows it is about to write before writing them: the stored
    # figures equal a roll-up over the stored rows, and the '+' history rows carry them.
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    stored = list(
        AssessmentSnapshot.objects.order_by("pk").values_list(
            "pk", "subtree_units", "subtree_average", "subtree_lights"
        )
    )
    assert all(units >= 1 for _pk, units, _avg, _lights in stored)
    AssessmentSnapshot.objects.update(subtree_units=0, subtree_average=None, subtree_lights={})
    assert snapshots.rollup(YEAR, QUARTER) == len(stored)
    assert (
        list(
            AssessmentSnapshot.objects.order_by("pk").values_list(
                "pk", "subtree_units", "subtree_average", "subtree_lights"
            )
        )
        == stored
    )
    created = AssessmentSnapshot.history.filter(history_type="+").order_by("id")
    assert (
        list(created.values_list("id", "subtree_units", "subtree_average", "subtree_lights"))
        == stored
    )


def test_it_a_changed_draft_gets_new_subtree_figures_with_its_own(quarter):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    cast = quarter.cast
    county2 = snap(cast, "county2")
    AssessmentSnapshot.objects.filter(pk=county2.pk).update(total=county2.total + 7)
    before_city = snap(cast, "city1").subtree_average
    result = snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    # The stored total was not what the data gives: the draft is recomputed, and its
    # ancestors' averages follow the recomputed total, not the tampered one.
    assert result.updated == 1
    assert snap(cast, "county2").total == county2.total
    assert snap(cast, "city1").subtree_average == before_city
    latest = AssessmentSnapshot.history.filter(id=county2.pk).order_by("-history_id").first()
    assert latest.history_type == "~" and latest.subtree_units == county2.subtree_units


# --- Seals: a recomputation scores only the units whose basis or figures moved --------------


def _figures():
    return {
        s.org_id: (s.scores, s.total, s.grade, s.traffic_light, s.inputs_sha256, s.computed_at)
        for s in AssessmentSnapshot.objects.all()
    }


@pytest.fixture
def scorings(monkeypatch):
    """How many times units are scored (snapshots.score_org calls)."""
    calls = []
    real = snapshots.score_org

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(snapshots, "score_org", counting)
    return calls


def _rescored_from_nothing(scorings):
    """Compute with every seal broken: each unit scored again; the result of that."""
    AssessmentSnapshot.objects.update(seal_sha256="")
    scorings.clear()
    result = snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    assert len(scorings) == AssessmentSnapshot.objects.count()
    return result


def test_it_a_sealed_draft_is_not_scored_again(quarter, scorings):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    units = AssessmentSnapshot.objects.count()
    assert len(scorings) == units
    assert not AssessmentSnapshot.objects.filter(seal_sha256="").exists()
    scorings.clear()
    result = snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    assert scorings == [] and result.unchanged == units


def test_it_an_unsealed_draft_is_sealed_without_a_history_row(quarter, scorings):
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    before, history = _figures(), AssessmentSnapshot.history.count()
    result = _rescored_from_nothing(scorings)
    assert result.unchanged == len(before) and result.updated == 0
    assert _figures() == before and AssessmentSnapshot.history.count() == history
    assert not AssessmentSnapshot.objects.filter(seal_sha256="").exists()
    scorings.clear()
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    assert scorings == []


def _rename_indicator(cast):
    Indicator.objects.filter(code="L1").update(name="学习研讨（改）")


def _raise_indicator_max(cast):
    Indicator.objects.filter(code="M2").update(max_score=Decimal("6"))


def _move_light_thresholds(cast):
    IndicatorSet.objects.update(light_thresholds={"green": 99, "yellow": 98})


def _adjust_county1(cast):
    where, user = dict(org=cast.county1, year=YEAR, quarter=QUARTER), cast.user("city1_secretary")
    snapshots.adjust(**where, points=-1, reason="核查扣分", indicator_code="L1", actor=user)


def _log_in_county2(cast):
    from tests.assessments.conftest import log

    log(cast, "county2_secretary", "study_session")


def _tamper_stored_scores(cast):
    county2 = AssessmentSnapshot.objects.get(org=cast.county2, year=YEAR, quarter=QUARTER)
    scores = {**county2.scores, "L1": {**county2.scores["L1"], "score": "1.00"}}
    AssessmentSnapshot.objects.filter(pk=county2.pk).update(scores=scores)


def _tamper_stored_grade(cast):
    AssessmentSnapshot.objects.filter(org=cast.county2).update(grade="优秀", traffic_light="green")


@pytest.mark.parametrize(
    "change, scored",
    [
        (_rename_indicator, "all"),
        (_raise_indicator_max, "all"),
        (_move_light_thresholds, "all"),
        (_adjust_county1, 1),
        (_log_in_county2, 1),
        (_tamper_stored_scores, 1),
        (_tamper_stored_grade, 1),
    ],
)
def test_it_the_seal_breaks_on_each_thing_the_figures_follow_from(
    quarter, scorings, change, scored
):
    # After the change, the sealed recomputation scores the units it touched and writes
    # exactly what scoring every unit from nothing gives: that second computation finds
    # nothing left to change.
    snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    before = _figures()
    change(quarter.cast)
    scorings.clear()
    result = snapshots.compute_quarter(YEAR, QUARTER, actor=JOBS)
    assert len(scorings) == (len(before) if scored == "all" else scored)
    assert result.updated >= 1
    after = _figures()
    assert after != before
    again = _rescored_from_nothing(scorings)
    assert again.updated == 0 and again.created == 0
    assert _figures() == after
