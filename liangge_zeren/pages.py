"""Small helpers every app's views share: pages of a list, refusals and form errors as
messages, the edit page with its conflict handling.

Views check, call one service, render; these keep the "render" part the same everywhere.
Lives in the project package so every app may import it (apps import one way only).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from liangge_zeren.concurrency import EditConflict
from liangge_zeren.workflow import TransitionRefused

PAGE_SIZE = 50


def paginate(
    request: HttpRequest, rows: QuerySet[Any] | list[Any], size: int = PAGE_SIZE
) -> Page[Any]:
    return Paginator(rows, size).get_page(request.GET.get("page"))


def report_refusal(request: HttpRequest, error: TransitionRefused | ValidationError) -> None:
    """A refused change (or invalid input a service found) as error messages."""
    if isinstance(error, ValidationError):
        for message in error.messages:
            messages.error(request, str(message))
    else:
        messages.error(request, error.message)


def report_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def require_valid(form: forms.BaseForm) -> None:
    """Raise ValidationError with the form's messages unless it is valid."""
    if not form.is_valid():
        raise ValidationError(
            [error for errors in form.errors.values() for error in errors]
            or [_("请检查填写内容。")]
        )


def attempt(request: HttpRequest, action: Callable[[], Any], success: str) -> bool:
    """Run `action()` (a service call); the outcome becomes a message.

    A refused transition or invalid input a service found is reported and changes nothing.
    Returns whether the action ran."""
    try:
        action()
    except (TransitionRefused, ValidationError) as error:
        report_refusal(request, error)
        return False
    messages.success(request, success)
    return True


def submit_form(
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[..., Any],
    success: str,
    invalid: str = "",
) -> bool:
    """Run `action(**form.cleaned_data)` for a posted form; the outcome becomes a message.

    Invalid input is reported as the form's own messages, or as `invalid` where those would
    say too little; then as `attempt`. Returns whether the action ran.
    """
    if not form.is_valid():
        if invalid:
            messages.error(request, invalid)
        else:
            report_form_errors(request, form)
        return False
    return attempt(request, lambda: action(**form.cleaned_data), success)


def edit_page(
    request: HttpRequest,
    obj: Model,
    form: Any,
    update: Callable[..., Any],
    *,
    saved: str,
    detail: str,
    template: str,
) -> HttpResponse:
    """An edit page: save through `update(obj, actor=user, **cleaned_data)`; a conflict (409)
    keeps the input and lists the other person's changes, a refusal becomes a form error."""
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            update(obj, actor=request.user, **form.cleaned_data)
        except EditConflict as conflict:
            form.show_conflict(conflict)
            status = 409
        except TransitionRefused as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, saved)
            return redirect(detail, pk=obj.pk)
    return render(request, template, {"form": form, "object": obj}, status=status)
