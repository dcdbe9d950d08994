"""Access to inbox messages: the recipient only (superusers may look, audited as break-glass).

Anyone else gets 404, never a hint that the message exists.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from notifications.models import Notification


def get_notification_for_user(request, pk, write: bool = False) -> Notification:
    user = request.user
    qs = Notification.objects.select_related("delivery__supervision_notice")
    notification = qs.filter(pk=pk).first()
    if notification is None:
        raise Http404
    if notification.recipient_id == user.pk:
        return notification
    if user.is_superuser:
        if write:
            raise PermissionDenied  # may look, never mark someone else's messages read
        return notification
    raise Http404
