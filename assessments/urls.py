from django.urls import path

from assessments import evaluation_views, knowledge_views, person_views, views
from assessments import questionnaire_views as qv

app_name = "assessments"

urlpatterns = [
    path("", views.snapshot_list, name="snapshot_list"),
    path("snapshots/<int:pk>/", views.snapshot_detail, name="snapshot_detail"),
    path("snapshots/<int:pk>/publish/", views.snapshot_publish, name="snapshot_publish"),
    path("snapshots/<int:pk>/recompute/", views.snapshot_recompute, name="snapshot_recompute"),
    path("snapshots/<int:pk>/adjust/", views.snapshot_adjust, name="snapshot_adjust"),
    path("snapshots/<int:pk>/inputs/", views.snapshot_input, name="snapshot_input"),
    path("snapshots/<int:pk>/rounds/", views.snapshot_open_round, name="snapshot_open_round"),
    path("rounds/<int:pk>/", evaluation_views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/vote/", evaluation_views.round_vote, name="round_vote"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("rounds/<int:pk>/roll/", evaluation_views.roll_add, name="roll_add"),
    path(
        "rounds/<int:pk>/roll/representative/",
        evaluation_views.roll_representative,
        name="roll_representative",
    ),
    path(
        "rounds/<int:pk>/roll/<int:entry_pk>/remove/",
        evaluation_views.roll_remove,
        name="roll_remove",
    ),
    path("rounds/<int:pk>/codes/", evaluation_views.issue_codes, name="issue_codes"),
    # Public questionnaires and third-party evaluation (issue 18).
    path("questionnaires/", qv.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/<int:pk>/", qv.questionnaire_detail, name="questionnaire_detail"),
    path("questionnaires/<int:pk>/codes/", qv.questionnaire_codes, name="questionnaire_codes"),
    path("questionnaires/<int:pk>/invite/", qv.questionnaire_invite, name="questionnaire_invite"),
    path("questionnaires/<int:pk>/close/", qv.questionnaire_close, name="questionnaire_close"),
    path("questionnaires/<int:pk>/third-party/", qv.third_party, name="third_party"),
    path("questionnaire-comments/", qv.comment_list, name="comment_list"),
    path("questionnaire-comments/<uuid:pk>/handle/", qv.comment_handle, name="comment_handle"),
    # No login: the phone page (code or open link), its CAPTCHA, the evaluator's invitation.
    path("q/", qv.public_code_entry, name="public_code_entry"),
    path("q/c/<str:code>/", qv.public_code, name="public_code"),
    path("q/o/<str:key>/", qv.public_open, name="public_open"),
    path("q/o/<str:key>/captcha.svg", qv.public_captcha, name="public_captcha"),
    path("q/invite/<str:secret>/", qv.invitation, name="invitation"),
    # Per-person assessment (issue 18)
    path("people/mine/", person_views.my_results, name="person_mine"),
    path("people/team/<int:org_pk>/", person_views.team, name="person_team"),
    path(
        "people/team/<int:org_pk>/compute/", person_views.team_compute, name="person_team_compute"
    ),
    path("people/team/<int:org_pk>/docx/", person_views.team_export, name="person_team_docx"),
    path("people/<int:pk>/", person_views.person_detail, name="person_detail"),
    path("people/<int:pk>/publish/", person_views.person_publish, name="person_publish"),
    path("people/<int:pk>/recompute/", person_views.person_recompute, name="person_recompute"),
    path("people/<int:pk>/interview/", person_views.person_interview, name="person_interview"),
    path("people/<int:pk>/review/", person_views.person_review, name="person_review"),
    path("knowledge/", knowledge_views.knowledge_home, name="knowledge_home"),
    path("knowledge/questions/", knowledge_views.question_list, name="knowledge_questions"),
    path(
        "knowledge/questions/import/",
        knowledge_views.question_import,
        name="knowledge_question_import",
    ),
    path(
        "knowledge/questions/template.xlsx",
        knowledge_views.question_template,
        name="knowledge_question_template",
    ),
    path("knowledge/tests/new/", knowledge_views.test_new, name="knowledge_test_new"),
    path("knowledge/tests/<int:pk>/", knowledge_views.test_detail, name="knowledge_test"),
    path("knowledge/sheets/<int:pk>/", knowledge_views.sheet, name="knowledge_sheet"),
]
