from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from assessments import evaluation_views
from security import sso
from security import views as security_views


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico where a page names no icon (files, JSON): never a 404."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


urlpatterns = [
    # Login and logout with the single sign-on methods (security/sso.py), before Django's own.
    path("accounts/login/", sso.SignInView.as_view(), name="login"),
    path("accounts/logout/", sso.SignOutView.as_view(), name="logout"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("oidc/authenticate/", sso.OIDCStartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", sso.OIDCCallbackView.as_view(), name="oidc_authentication_callback"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("security/", include("security.urls")),
    path("api/", include("liangge_zeren.api.urls")),
    path("healthz", security_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico where a page names no icon (files, the API): no 404 there.
    path("favicon.ico", favicon, name="favicon"),
    path("inspections/", include("inspections.urls")),
    path("accountability/", include("accountability.urls")),
    path("notifications/", include("notifications.urls")),
    path("assessments/", include("assessments.urls")),
    # The public page of one-time voting codes (民主测评, no login): short, for phones and QR.
    path("vote/", evaluation_views.code_vote, name="code_vote"),
    path("dashboards/", include("dashboards.urls")),
    path("", include("responsibilities.urls")),
]
