"""People by name, never by login name (issue 17): `{{ user|person_label }}`."""

from __future__ import annotations

from typing import Any

from django import template

from liangge_zeren.actors import actor_label

register = template.Library()


@register.filter
def person_label(user: Any) -> str:
    """The person's name (the login only for an account without a person); "—" for nobody."""
    return actor_label(user)
