from django.urls import path

from inspections import (
    evidence_views,
    finding_views,
    ledger_views,
    risk_views,
    round_views,
    task_views,
)

app_name = "inspections"

urlpatterns = [
    path("", round_views.round_list, name="round_list"),
    path("rounds/new/", round_views.round_create, name="round_create"),
    path("rounds/<int:pk>/", round_views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", round_views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/transition/", round_views.round_transition, name="round_transition"),
    path("rounds/<int:pk>/feedback/", round_views.feedback_add, name="feedback_add"),
    path("feedback/<int:pk>/feedback.docx", round_views.feedback_docx, name="feedback_docx"),
    path("rounds/<int:pk>/reviews/", round_views.review_add, name="review_add"),
    path(
        "rounds/<int:pk>/reviews/<int:review_pk>/acknowledge/",
        round_views.review_acknowledge,
        name="review_acknowledge",
    ),
    path(
        "rounds/<int:pk>/reports/<int:report_pk>/submit/",
        round_views.report_submit,
        name="report_submit",
    ),
    path(
        "rounds/<int:pk>/targets/<int:target_pk>/report.docx",
        round_views.report_docx,
        name="report_docx",
    ),
    path("findings/new/", finding_views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", finding_views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", finding_views.finding_edit, name="finding_edit"),
    path(
        "findings/<int:pk>/responsibilities/",
        finding_views.finding_add_responsibility,
        name="finding_add_responsibility",
    ),
    path("findings/<int:pk>/tasks/", finding_views.finding_add_task, name="finding_add_task"),
    path(
        "findings/<int:pk>/evidence/",
        finding_views.finding_add_evidence,
        name="finding_add_evidence",
    ),
    path("findings/<int:pk>/transfer/", finding_views.finding_transfer, name="finding_transfer"),
    path(
        "findings/<int:pk>/concealed/",
        finding_views.finding_mark_concealed,
        name="finding_mark_concealed",
    ),
    path("tasks/<int:pk>/", task_views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/<slug:action>/", task_views.task_action, name="task_action"),
    path("ledger/", ledger_views.ledger_page, name="ledger"),
    path("ledger/export.xlsx", ledger_views.ledger_export, name="ledger_export"),
    path("ledger/export.docx", ledger_views.ledger_docx, name="ledger_docx"),
    path("risk/", risk_views.risk_ranking, name="risk_ranking"),
    path("risk/import/", risk_views.risk_import_view, name="risk_import"),
    path("risk/import/template.xlsx", risk_views.risk_import_template, name="risk_import_template"),
    path("risk/plan/", risk_views.risk_plan_round, name="risk_plan_round"),
    path("attachments/<int:pk>/", evidence_views.attachment_download, name="attachment_download"),
]
