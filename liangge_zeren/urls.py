from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from security import views as security_views


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico where a page names no icon (files, JSON): never a 404."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("security/", include("security.urls")),
    path("healthz", security_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico where a page names no icon (files, the API): no 404 there.
    path("favicon.ico", favicon, name="favicon"),
    path("inspections/", include("inspections.urls")),
    path("accountability/", include("accountability.urls")),
    path("notifications/", include("notifications.urls")),
    path("assessments/", include("assessments.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("", include("responsibilities.urls")),
]
