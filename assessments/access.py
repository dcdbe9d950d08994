"""The one access helper per object type of this app. Views call nothing else for access."""

from assessments.models import (
    AssessmentSnapshot,
    EvaluationRound,
    KnowledgeAssignment,
    KnowledgeTest,
    Questionnaire,
    QuestionnaireComment,
)
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


def get_questionnaire_for_user(request, pk, write: bool = False) -> Questionnaire:
    return get_scoped_object_or_404(
        request,
        Questionnaire.objects.select_related("org__parent"),
        pk,
        view_perm="assessments.view_questionnaire",
        change_perm="assessments.change_questionnaire",
        write=write,
    )


def get_knowledge_test_for_user(request, pk, write: bool = False) -> KnowledgeTest:
    return get_scoped_object_or_404(
        request,
        KnowledgeTest.objects.select_related("org", "created_by"),
        pk,
        view_perm="assessments.view_knowledgetest",
        change_perm="assessments.change_knowledgetest",
        write=write,
    )


def get_questionnaire_for_evaluator(request, pk) -> Questionnaire:
    """The round an invited third-party evaluator may fill in (while open, until its close
    date); 404 for anyone and anything else."""
    return get_scoped_object_or_404(
        request,
        Questionnaire.objects.select_related("org"),
        pk,
        view_perm="assessments.evaluate_questionnaire",
        change_perm="assessments.evaluate_questionnaire",
        write=True,
    )


def get_comment_for_user(request, pk, write: bool = False) -> QuestionnaireComment:
    return get_scoped_object_or_404(
        request,
        QuestionnaireComment.objects.select_related("org", "questionnaire"),
        pk,
        view_perm="assessments.view_questionnairecomment",
        change_perm="assessments.change_questionnairecomment",
        write=write,
    )


def get_person_snapshot_for_user(request, pk, write: bool = False):
    from assessments.models import PersonAssessmentSnapshot

    return get_scoped_object_or_404(
        request,
        PersonAssessmentSnapshot.objects.select_related(
            "org__parent", "person", "tenure", "indicator_set", "published_by"
        ),
        pk,
        view_perm="assessments.view_personassessmentsnapshot",
        change_perm="assessments.change_personassessmentsnapshot",
        write=write,
    )


def get_knowledge_sheet_for_user(request, pk, write: bool = False) -> KnowledgeAssignment:
    """A sheet its person may take (write) or its readers may read; a peer gets 404."""
    return get_scoped_object_or_404(
        request,
        KnowledgeAssignment.objects.select_related("test", "person", "org"),
        pk,
        view_perm="assessments.view_knowledgeassignment",
        change_perm="assessments.take_knowledgeassignment",
        write=write,
    )
