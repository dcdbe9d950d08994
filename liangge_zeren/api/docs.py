"""The Swagger UI page of /api/docs/, served from the vendored sidecar assets.

The split view serves its start-up script as a file (the CSP allows no inline script). Swagger
UI injects <style> elements while it renders, so this page alone asks the CSP middleware
(security/middleware.py) for `style-src 'self' 'unsafe-inline'`; scripts, connections and
everything else stay 'self'.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView


@extend_schema(exclude=True)  # the docs page itself is not an API operation
class SwaggerDocsView(SpectacularSwaggerSplitView):
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().get(request, *args, **kwargs)
        response.lz_csp_overrides = {"style-src": "'self' 'unsafe-inline'"}
        return response
