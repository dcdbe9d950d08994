"""Posts of the signed-in user for the navbar switcher and breadcrumbs."""

from liangge_zeren import request_cache
from responsibilities.models import Organization, Tenure

SESSION_KEY = "current_tenure_id"


def current_posts(request) -> tuple[list[Tenure], Tenure | None]:
    """The user's current posts and the chosen one (cached per request, keyed by user id)."""
    if not request.user.is_authenticated:
        return [], None
    posts = request_cache.cached_for_user("posts", request.user, lambda: _posts(request.user))
    wanted = request.session.get(SESSION_KEY)
    return posts, next((t for t in posts if t.pk == wanted), posts[0] if posts else None)


def _posts(user) -> list[Tenure]:
    return list(
        Tenure.objects.current()
        .filter(person__user=user)
        .select_related("org", "body")
        .order_by("org__path", "role")
    )


def posts(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    my_posts, current = current_posts(request)
    crumbs = list(Organization.objects.ancestors_of(current.org)) if current else []
    return {"my_posts": my_posts, "current_post": current, "current_crumbs": crumbs}
