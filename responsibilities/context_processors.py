"""Posts of the signed-in user for the navbar switcher and breadcrumbs."""

from responsibilities.models import Organization, Tenure

SESSION_KEY = "current_tenure_id"


def current_posts(request) -> tuple[list[Tenure], Tenure | None]:
    cached = getattr(request, "_lz_posts", None)
    if cached is not None:
        return cached
    posts: list[Tenure] = []
    current = None
    if request.user.is_authenticated:
        posts = list(
            Tenure.objects.current()
            .filter(person__user=request.user)
            .select_related("org", "body")
            .order_by("org__path", "role")
        )
        wanted = request.session.get(SESSION_KEY)
        current = next((t for t in posts if t.pk == wanted), posts[0] if posts else None)
    request._lz_posts = (posts, current)
    return request._lz_posts


def posts(request):
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    my_posts, current = current_posts(request)
    crumbs = list(Organization.objects.ancestors_of(current.org)) if current else []
    return {"my_posts": my_posts, "current_post": current, "current_crumbs": crumbs}
