"""The one home of "a refused save is a form error" in the Django admin (issue 14).

Every ModelAdmin of the project derives from `RefusalsAsFormErrors` (a registry test checks
it). A model may refuse a write in `clean()`, in `save()` (published results, append-only
rows) or through a database constraint; in the admin each of these comes back as the form,
with the refusal shown as an error, never as a server error:

- errors that `clean()` raises for a field the admin form does not show (read-only or
  excluded) are shown as form-wide errors, with the field's name, instead of Django's
  `ValueError: '…Form' has no field named '…'`;
- a `ValidationError` or `IntegrityError` raised while saving rolls the save back and the
  same page is shown again with the refusal as a form error;
- on the changelist (list_editable, actions) and the delete page a refusal becomes an
  error message.

Records that must not be created or changed by hand are not addable/changeable at all
(`ReadOnlyAdminMixin`): their own flows write them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, router, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _

from liangge_zeren.actors import acting

_REFUSAL = "_lz_admin_refusal"


def refusal_error(exc: Exception) -> ValidationError:
    """The user-facing form of a refused save."""
    if isinstance(exc, ValidationError):
        return exc
    return ValidationError(
        _("保存未成功:数据不完整或与已有记录冲突,请检查后重试。"), code="integrity"
    )


class RefusalFormMixin(forms.BaseForm):
    """Admin forms: errors for hidden fields become form-wide; a pending refusal is shown."""

    lz_refusal: ValidationError | None = None

    def add_error(self, field: str | None, error: Any) -> None:
        if field not in (None, NON_FIELD_ERRORS) and field not in self.fields:
            field, error = None, ValidationError({str(field): error})
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            error = self._fold_hidden_fields(error)
        super().add_error(field, error)

    def _fold_hidden_fields(self, error: ValidationError) -> ValidationError:
        shown: dict[str, list[ValidationError]] = {}
        for name, errors in error.error_dict.items():
            if name == NON_FIELD_ERRORS or name in self.fields:
                shown.setdefault(name, []).extend(errors)
                continue
            label = self._label(name)
            for message in ValidationError(errors).messages:
                shown.setdefault(NON_FIELD_ERRORS, []).append(ValidationError(f"{label}:{message}"))
        return ValidationError(shown)

    def _label(self, name: str) -> str:
        meta = getattr(self, "_meta", None)
        model = getattr(meta, "model", None)
        try:
            return str(model._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
        except Exception:
            return name

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if self.lz_refusal is not None:
            self.add_error(None, self.lz_refusal)
        return data


class RefusalsAsFormErrors(admin.ModelAdmin):
    """Base of every project ModelAdmin: model-level refusals are form errors (see above)."""

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(
            form.__name__,
            (RefusalFormMixin, form),
            {"lz_refusal": getattr(request, _REFUSAL, None), "__module__": form.__module__},
        )

    def _changeform_view(
        self, request: Any, object_id: Any, form_url: Any, extra_context: Any
    ) -> HttpResponse:
        if request.method != "POST" or getattr(request, _REFUSAL, None) is not None:
            return super()._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        try:
            # The admin's transaction is the write's: services called here join it (acting).
            with transaction.atomic(using=router.db_for_write(self.model)), acting(request.user):
                return super()._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except (ValidationError, IntegrityError) as exc:
            setattr(request, _REFUSAL, refusal_error(exc))
        # The same page again, the form now carrying the refusal (nothing was saved).
        return super()._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def changelist_view(self, request: Any, extra_context: Any = None) -> HttpResponse:
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        try:
            # The admin's transaction is the write's: services called here join it (acting).
            with transaction.atomic(using=router.db_for_write(self.model)), acting(request.user):
                return super().changelist_view(request, extra_context)
        except (ValidationError, IntegrityError) as exc:
            for message in refusal_error(exc).messages:
                self.message_user(request, message, level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: Any, object_id: str, extra_context: Any = None) -> HttpResponse:
        if request.method != "POST":
            return super().delete_view(request, object_id, extra_context)
        try:
            # The admin's transaction is the write's: services called here join it (acting).
            with transaction.atomic(using=router.db_for_write(self.model)), acting(request.user):
                return super().delete_view(request, object_id, extra_context)
        except (ValidationError, IntegrityError) as exc:
            for message in refusal_error(exc).messages:
                self.message_user(request, message, level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())


class ReadOnlyAdminMixin:
    """Rows the admin only shows: their own flows write them, never a hand-made form."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def adopt_registered_admins(site: admin.AdminSite | None = None) -> None:
    """Give the admins that other packages registered (auth groups, axes, OTP devices) the
    same refusal handling: each is re-registered as a subclass with the mixin first."""
    site = site or admin.site
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, RefusalsAsFormErrors):
            continue
        base = type(model_admin)
        adopted = type(base.__name__, (RefusalsAsFormErrors, base), {"__module__": base.__module__})
        site.unregister(model)
        site.register(model, adopted)
