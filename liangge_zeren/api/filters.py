"""The filter sets of the API's list endpoints: strict about what a parameter may hold.

django-filter is lenient: an integer column is read through a DecimalField (`?year=0.5`
filters by 0.5 and finds nothing), a boolean takes anything (`?is_active=null` filters by
nothing) and an empty date is no filter. Here a value of the wrong type is bad input (400
with `errors`), as the schema says — never a silently different page.
"""

from __future__ import annotations

from typing import Any

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class _Present:
    """A parameter that is given must hold a value ("?held_on=" is bad input)."""

    def clean(self, value: Any) -> Any:
        if value == "":
            raise ValidationError(_("参数不能为空。"), code="blank")
        return super().clean(value)  # type: ignore[misc]


class StrictIntegerField(_Present, forms.IntegerField):
    pass


class StrictDateField(_Present, forms.DateField):
    pass


class StrictBooleanField(_Present, forms.Field):
    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise ValidationError(_("须为 true 或 false。"), code="invalid")


class StrictModelChoiceField(_Present, django_filters.fields.ModelChoiceField):
    pass


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = StrictModelChoiceField


class IntegerFilter(django_filters.NumberFilter):
    field_class = StrictIntegerField


class DateFilter(django_filters.DateFilter):
    field_class = StrictDateField


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


_INTEGERS = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)


class ApiFilterSet(django_filters.FilterSet):
    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        **{field: {"filter_class": IntegerFilter} for field in _INTEGERS},
        models.DateField: {"filter_class": DateFilter},
        models.BooleanField: {"filter_class": BooleanFilter},
        **{
            field: {
                **django_filters.FilterSet.FILTER_DEFAULTS[field],
                "filter_class": ModelChoiceFilter,
            }
            for field in (models.ForeignKey, models.OneToOneField)
        },
    }
