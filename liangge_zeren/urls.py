from django.contrib import admin
from django.urls import include, path

from security import views as security_views

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("security/", include("security.urls")),
    path("healthz", security_views.healthz, name="healthz"),
    path("inspections/", include("inspections.urls")),
    path("accountability/", include("accountability.urls")),
    path("notifications/", include("notifications.urls")),
    path("assessments/", include("assessments.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("", include("responsibilities.urls")),
]
