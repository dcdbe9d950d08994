"""A small fixed-window rate limiter on Django's cache (login posts, exports).

With the default per-process memory cache the limit is per worker process; set CACHE_URL (a
Redis database of its own) in production for one limit across processes.
"""

from __future__ import annotations

import time
from functools import wraps

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.shortcuts import render

from security.services import client_ip


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Count one request under `key`; False once `limit` is exceeded in the current window."""
    bucket = f"lz-rl:{key}:{int(time.time() // window_seconds)}"
    cache.add(bucket, 0, window_seconds + 1)
    try:
        count = cache.incr(bucket)
    except ValueError:  # evicted between add and incr
        cache.set(bucket, 1, window_seconds + 1)
        count = 1
    return count <= limit


def count(key: str, window_seconds: int) -> int:
    """Hits recorded under `key` in the current window (without adding one)."""
    return int(cache.get(f"lz-rl:{key}:{int(time.time() // window_seconds)}", 0))


def too_many_requests(request, retry_after: int = 60):
    response = render(
        request, "security/rate_limited.html", {"retry_after": retry_after}, status=429
    )
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(scope: str, limit: int, window_seconds: int = 60):
    """View decorator: at most `limit` requests per user (or IP) per window for `scope`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            who = request.user.pk if request.user.is_authenticated else client_ip(request)
            if not hit(f"{scope}:{who}", limit, window_seconds):
                return too_many_requests(request, window_seconds)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def login_failure_key(request) -> str:
    """The per-address bucket of failed logins with unknown user names."""
    return f"login-failures:{client_ip(request) or 'unknown'}"


def account_exists(username: str) -> bool:
    """Is there an account of this name? (The per-address limit is for the names that are not:
    the accounts that are have django-axes' per-account lockout.)"""
    if not username:
        return False
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).exists()
