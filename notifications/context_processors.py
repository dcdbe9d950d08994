"""Unread count for the header badge (one COUNT query per page, signed-in users only)."""

from django.utils.functional import SimpleLazyObject


def inbox(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count():
        from notifications.services import unread_count

        return unread_count(user)

    return {"inbox_unread": SimpleLazyObject(count)}
