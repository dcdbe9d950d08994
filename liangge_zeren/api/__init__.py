"""The REST API kit (/api/v1/): shared by every app's `api.py`, importing no domain app.

- `registry`: the router each app contributes to (`api.register("duty-logs", DutyLogViewSet)`
  in `<app>/api.py`, found by autodiscovery like admin.py), mounted by `liangge_zeren/urls.py`;
  the write capabilities a service-account token may be given (`api.capability(...)`).
- `viewsets`: `ScopedViewSet` and its mixins. Reads go through
  `Model.objects.visible_to(request.user, action)` (the scoping kit) — out of scope is 404;
  writes through the existing services with `actor=request.user` (never ORM writes here);
  `ETag` from the model's `version`, `If-Match` checked (stale: 412).
- `problems`: every error as `application/problem+json` with a Chinese `detail`: out of scope
  404, read-only 403, a refused transition or service refusal 409 with the rule's message,
  stale version 412, bad input 400 with `errors` per field.
- `pagination` (cursor), `throttling` (per token), `permissions` (token capabilities).

Authentication: the browser session (with CSRF) and bearer tokens; the token model and its
authentication class live in the security app (security/tokens.py), named in settings.
"""

from liangge_zeren.api.registry import capability, register

__all__ = ["capability", "register"]
