"""ids_in: the same rows as `__in`, on the database in use (SQLite here, PostgreSQL in the
second pass of .ci/run), for plain and foreign-key columns, across a join, and for none."""

import pytest
from django.db.models import Q

from liangge_zeren.lookups import ids_in
from responsibilities.models import Organization, Tenure

pytestmark = pytest.mark.django_db


def test_it_selects_what_in_selects(cast):
    orgs = list(Organization.objects.order_by("pk").values_list("pk", flat=True))
    some = orgs[::2]
    assert len(some) >= 3
    assert set(Organization.objects.filter(ids_in("pk", some)).values_list("pk", flat=True)) == set(
        some
    )
    by_fk = Tenure.objects.filter(ids_in("org_id", some))
    assert set(by_fk) == set(Tenure.objects.filter(org_id__in=some)) and by_fk.exists()
    joined = Tenure.objects.filter(ids_in("body__org_id", some))
    assert set(joined) == set(Tenure.objects.filter(body__org_id__in=some))
    assert not Organization.objects.filter(ids_in("pk", [])).exists()
    assert Organization.objects.filter(Q(ids_in("pk", [])) | Q(pk=some[0])).count() == 1
