"""Throttling per token (bearer requests) or per user (session requests).

The rate is REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api"] (env API_THROTTLE_RATE, default
"600/min"). A token is counted by its id (`request.auth.throttle_key`), so two tokens of one
person are limited separately and a leaked token cannot exhaust its owner's session.
"""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle


class TokenRateThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        token_key = getattr(request.auth, "throttle_key", None)
        if token_key:
            ident = f"token-{token_key}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
