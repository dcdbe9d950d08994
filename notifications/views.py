from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications import selectors, services
from notifications.access import get_notification_for_user
from notifications.forms import PreferenceForm

PAGE_SIZE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "all")
    lines = selectors.inbox_lines(request.user, unread_only=show == "unread")
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "show": show, "unread": services.unread_count(request.user)},
    )


@login_required
def group(request: HttpRequest, pk: int) -> HttpResponse:
    """Every message of one inbox group (e.g. one item's 督办 from every unit)."""
    notification = get_notification_for_user(request, pk)
    members = selectors.group_members(notification)
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/group.html",
        {
            "notification": notification,
            "page": page,
            "mine": notification.recipient_id == request.user.pk,
            "unread": members.filter(read_at__isnull=True).count(),
        },
    )


@login_required
@require_POST
def mark_group_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request, pk, write=True)
    count = services.mark_group_read(notification)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": count})
    return redirect("notifications:inbox")


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request, pk)
    if notification.recipient_id == request.user.pk:
        services.mark_read(notification)
    notice = (
        getattr(notification.delivery, "supervision_notice", None)
        if notification.delivery
        else None
    )
    return render(
        request, "notifications/detail.html", {"notification": notification, "notice": notice}
    )


@login_required
def open_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read and follow the message's link (only links inside this site)."""
    notification = get_notification_for_user(request, pk)
    if notification.recipient_id == request.user.pk:
        services.mark_read(notification)
    link = notification.link
    if link and url_has_allowed_host_and_scheme(link, {request.get_host()}):
        return redirect(link)
    return redirect("notifications:detail", pk=notification.pk)


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_notification_for_user(request, pk, write=True)
    services.mark_read(notification)
    if request.htmx:
        # The row, and the header badge swapped out of band so the count drops at once.
        return render(
            request,
            "notifications/_marked_read.html",
            {"n": notification, "inbox_unread": services.unread_count(request.user), "oob": True},
        )
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(request.user)
    messages.success(request, _("已将 %(n)d 条消息标为已读。") % {"n": count})
    return redirect("notifications:inbox")


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """htmx-polled fragment: the unread count in the header."""
    return render(
        request, "notifications/_badge.html", {"inbox_unread": services.unread_count(request.user)}
    )


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """The person's own channels, addresses and quiet hours, and their recent send record."""
    channels = selectors.extra_channels()
    form = PreferenceForm(
        request.POST or None, instance=selectors.preference_for(request.user), channels=channels
    )
    if request.method == "POST" and form.is_valid():
        services.update_preferences(request.user, actor=request.user, **form.values())
        messages.success(request, _("提醒设置已保存。"))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "channels": channels,
            "dispatches": selectors.recent_dispatches(request.user),
        },
    )
