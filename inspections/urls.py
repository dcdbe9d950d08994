from django.urls import path

from inspections import views

app_name = "inspections"

urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("rounds/<int:pk>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:pk>/transition/", views.round_transition, name="round_transition"),
    path("rounds/<int:pk>/feedback/", views.feedback_add, name="feedback_add"),
    path("rounds/<int:pk>/reviews/", views.review_add, name="review_add"),
    path(
        "rounds/<int:pk>/reviews/<int:review_pk>/acknowledge/",
        views.review_acknowledge,
        name="review_acknowledge",
    ),
    path(
        "rounds/<int:pk>/reports/<int:report_pk>/submit/",
        views.report_submit,
        name="report_submit",
    ),
    path(
        "rounds/<int:pk>/targets/<int:target_pk>/report.docx",
        views.report_docx,
        name="report_docx",
    ),
    path("findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", views.finding_edit, name="finding_edit"),
    path(
        "findings/<int:pk>/responsibilities/",
        views.finding_add_responsibility,
        name="finding_add_responsibility",
    ),
    path("findings/<int:pk>/tasks/", views.finding_add_task, name="finding_add_task"),
    path("findings/<int:pk>/evidence/", views.finding_add_evidence, name="finding_add_evidence"),
    path("findings/<int:pk>/transfer/", views.finding_transfer, name="finding_transfer"),
    path(
        "findings/<int:pk>/concealed/",
        views.finding_mark_concealed,
        name="finding_mark_concealed",
    ),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/<slug:action>/", views.task_action, name="task_action"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export.xlsx", views.ledger_export, name="ledger_export"),
    path("risk/", views.risk_ranking, name="risk_ranking"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
