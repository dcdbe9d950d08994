from django.urls import path

from accountability import (
    appeal_views,
    case_views,
    conflict_views,
    disciplinary_views,
    integrity_views,
    measure_views,
    stats_views,
    target_views,
)

app_name = "accountability"

urlpatterns = [
    path("integrity/", integrity_views.request_list, name="integrity_requests"),
    path("integrity/new/", integrity_views.request_create, name="integrity_request_create"),
    path("integrity/<int:pk>/", integrity_views.request_detail, name="integrity_request"),
    path(
        "integrity/<int:pk>/withdraw/",
        integrity_views.request_withdraw,
        name="integrity_request_withdraw",
    ),
    path("integrity/replies/", integrity_views.reply_queue, name="integrity_queue"),
    path("integrity/replies/<int:pk>/", integrity_views.reply_detail, name="integrity_reply"),
    path(
        "integrity/replies/<int:pk>/do/<slug:action>/",
        integrity_views.reply_action,
        name="integrity_reply_action",
    ),
    path(
        "integrity/replies/<int:pk>/docx/",
        integrity_views.reply_download,
        name="integrity_reply_docx",
    ),
    path("people/<int:pk>/integrity/", integrity_views.person_record, name="integrity_record"),
    path("", case_views.case_list, name="case_list"),
    path("cases/new/", case_views.case_create, name="case_create"),
    path("from-finding/<int:pk>/", case_views.case_from_finding, name="case_from_finding"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/do/<slug:action>/", case_views.case_transition, name="case_transition"),
    path("cases/<int:pk>/targets/", target_views.case_targets, name="case_targets"),
    path("cases/<int:pk>/targets/org/", target_views.case_org_target, name="case_org_target"),
    path("cases/<int:pk>/measures/", measure_views.case_measure_add, name="case_measure_add"),
    path(
        "cases/<int:pk>/measures/<int:measure_pk>/formalities/",
        measure_views.measure_formalities,
        name="measure_formalities",
    ),
    path("cases/<int:pk>/correct/", case_views.case_correct, name="case_correct"),
    path("cases/<int:pk>/appeal/", appeal_views.case_appeal, name="case_appeal"),
    path("cases/<int:pk>/chain/", case_views.case_chain, name="case_chain"),
    path(
        "cases/<int:pk>/decision.docx",
        case_views.case_decision_docx,
        name="case_decision_docx",
    ),
    path("appeals/<int:pk>/decide/", appeal_views.appeal_decide, name="appeal_decide"),
    path("disciplinary/", disciplinary_views.disciplinary_list, name="disciplinary_list"),
    path("disciplinary/new/", disciplinary_views.disciplinary_create, name="disciplinary_create"),
    path(
        "disciplinary/<int:pk>/",
        disciplinary_views.disciplinary_detail,
        name="disciplinary_detail",
    ),
    path(
        "disciplinary/<int:pk>/decide/",
        disciplinary_views.disciplinary_decide,
        name="disciplinary_decide",
    ),
    path(
        "disciplinary/<int:pk>/dual/",
        disciplinary_views.disciplinary_open_dual,
        name="disciplinary_open_dual",
    ),
    path(
        "disciplinary/<int:pk>/archive/",
        disciplinary_views.disciplinary_archive,
        name="disciplinary_archive",
    ),
    path(
        "disciplinary/<int:pk>/share/",
        disciplinary_views.disciplinary_share,
        name="disciplinary_share",
    ),
    path("probes/<int:pk>/conclude/", disciplinary_views.probe_conclude, name="probe_conclude"),
    path("cases/<int:pk>/conflicts/", conflict_views.case_conflict, name="case_conflict"),
    path(
        "disciplinary/<int:pk>/conflicts/",
        conflict_views.disciplinary_conflict,
        name="disciplinary_conflict",
    ),
    path("statistics/", stats_views.statistics, name="statistics"),
]
