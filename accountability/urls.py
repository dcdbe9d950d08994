from django.urls import path

from accountability import views

app_name = "accountability"

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("from-finding/<int:pk>/", views.case_from_finding, name="case_from_finding"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/do/<slug:action>/", views.case_transition, name="case_transition"),
    path("cases/<int:pk>/targets/", views.case_targets, name="case_targets"),
    path("cases/<int:pk>/targets/org/", views.case_org_target, name="case_org_target"),
    path("cases/<int:pk>/measures/", views.case_measure_add, name="case_measure_add"),
    path(
        "cases/<int:pk>/measures/<int:measure_pk>/formalities/",
        views.measure_formalities,
        name="measure_formalities",
    ),
    path("cases/<int:pk>/correct/", views.case_correct, name="case_correct"),
    path("cases/<int:pk>/appeal/", views.case_appeal, name="case_appeal"),
    path("cases/<int:pk>/chain/", views.case_chain, name="case_chain"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("disciplinary/", views.disciplinary_list, name="disciplinary_list"),
    path("disciplinary/new/", views.disciplinary_create, name="disciplinary_create"),
    path("disciplinary/<int:pk>/", views.disciplinary_detail, name="disciplinary_detail"),
    path("disciplinary/<int:pk>/decide/", views.disciplinary_decide, name="disciplinary_decide"),
    path(
        "disciplinary/<int:pk>/dual/", views.disciplinary_open_dual, name="disciplinary_open_dual"
    ),
    path("disciplinary/<int:pk>/archive/", views.disciplinary_archive, name="disciplinary_archive"),
    path("probes/<int:pk>/conclude/", views.probe_conclude, name="probe_conclude"),
    path("statistics/", views.statistics, name="statistics"),
]
