from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("org/<int:pk>/", views.cockpit, name="cockpit"),
    path("org/<int:pk>/export.xlsx", views.cockpit_xlsx, name="cockpit_xlsx"),
    path("org/<int:pk>/report.docx", views.cockpit_docx, name="cockpit_docx"),
    path("org/<int:pk>/warnings/<slug:code>/", views.warning_rows, name="warning_rows"),
    path("panels/secretary/", views.secretary_panel, name="secretary_panel"),
    path("panels/discipline/", views.discipline_panel, name="discipline_panel"),
    path("panels/home/", views.home_panel, name="home_panel"),
]
