"""An invited third-party evaluator's account reaches its round's form and nothing else.

What they may see of that form is the scoping kit's (rules.InvitedEvaluatorClause: their
round, while open, until its close date); this keeps every other page — which would show an
account without posts an empty list rather than refuse — closed to them (403), without a
special case in any view. No query: the account is known by its user name."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied

from assessments.services.questionnaires import is_evaluator_account

EVALUATOR_PAGES = frozenset(
    {"assessments:third_party", "assessments:invitation", "logout", "set_language"}
)


class InvitedEvaluatorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not is_evaluator_account(user):
            return None
        if request.path_info.startswith(settings.STATIC_URL or "/static/"):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in EVALUATOR_PAGES:
            return None
        raise PermissionDenied
