"""/api/: the versioned API (/api/v1/), its OpenAPI schema and the Swagger UI (vendored)."""

from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView

from liangge_zeren.api import registry
from liangge_zeren.api.docs import SwaggerDocsView
from liangge_zeren.api.problems import PROBLEM_JSON, problem


@csrf_exempt  # it changes nothing; a POST there is 404 too, not the CSRF page
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other address under /api/v1/ (an id the routes cannot match, e.g. `1.5`): 404 as
    problem+json like every API answer, not the site's HTML page."""
    body = problem(404, _("未找到该记录,或您无权查看。"))
    return JsonResponse(body, status=404, content_type=PROBLEM_JSON)


urlpatterns = [
    path("", RedirectView.as_view(pattern_name="api-docs", permanent=False), name="api"),
    path("v1/", include(registry.urls())),
    re_path(r"^v1/(?P<rest>.*)$", not_found),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerDocsView.as_view(url_name="api-schema"), name="api-docs"),
]
