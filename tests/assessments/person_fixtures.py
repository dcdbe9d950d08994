"""Helpers of the per-person assessment tests (county 1's team in 2026)."""

import datetime

from assessments.models import PersonAssessmentSnapshot
from assessments.services import people
from liangge_zeren.actors import JOBS
from responsibilities import letters

RUBRIC_FULL = {"political": 10, "duty": 9, "integrity": 10, "style": 8, "discipline": 9}


def compute(cast, year=2026, period=1):
    return people.compute_people(cast.county1, year, period, actor=JOBS)


def result(cast, key, year=2026, period=1) -> PersonAssessmentSnapshot:
    return PersonAssessmentSnapshot.objects.get(tenure=cast.tenures[key], year=year, period=period)


def submit_personal_report(cast, key, year=2026):
    tenure = cast.tenures[key]
    report = letters.draft_report(actor=cast.user(key), org=tenure.org, year=year, tenure=tenure)
    return letters.submit_report(report, actor=cast.user(key))


def interview(cast, key, scores=None, year=2026, quarter=1, by="city1_secretary"):
    return people.record_interview(
        actor=cast.user(by),
        tenure=cast.tenures[key],
        year=year,
        quarter=quarter,
        interviewed_on=datetime.date(year, 3 * quarter - 1, 15),
        scores=scores or RUBRIC_FULL,
        note="谈话了解情况",
    )
