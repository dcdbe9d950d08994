"""The one access helper per object type of this app. Views call nothing else for access."""

from assessments.models import AssessmentSnapshot, EvaluationRound
from responsibilities.scoping import get_scoped_object_or_404


def get_snapshot_for_user(request, pk, write: bool = False) -> AssessmentSnapshot:
    return get_scoped_object_or_404(
        request,
        AssessmentSnapshot.objects.select_related("org__parent", "indicator_set", "published_by"),
        pk,
        view_perm="assessments.view_assessmentsnapshot",
        change_perm="assessments.change_assessmentsnapshot",
        write=write,
    )


def get_round_for_user(request, pk, write: bool = False) -> EvaluationRound:
    return get_scoped_object_or_404(
        request,
        EvaluationRound.objects.select_related("org"),
        pk,
        view_perm="assessments.view_evaluationround",
        change_perm="assessments.change_evaluationround",
        write=write,
    )
