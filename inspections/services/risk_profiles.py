"""Risk profiles (the data behind risk-based targeting; the ranking reads them, risk.py)."""

from __future__ import annotations

from typing import Any

from inspections.models import RiskProfile
from liangge_zeren.actors import Actor, actor_user, write_service
from responsibilities.models import Organization


@write_service
def save_risk_profile(*, actor: Actor, org: Organization, year: int, **values: Any) -> RiskProfile:
    profile, _created = RiskProfile.objects.get_or_create(
        org=org, year=year, defaults={"org_path": org.path, "entered_by": actor_user(actor)}
    )
    for name, value in values.items():
        setattr(profile, name, value)
    profile.entered_by = actor_user(actor)
    profile.save()
    return profile
