"""Seed the 11 问责情形 of the 2019 问责条例 art.7 and the default influence periods.

Both are tables a deployment may edit (admin); this migration only adds missing rows.
Influence periods: R17 (纪律处分条例, verified), R20 (政务处分法 art.8, verified), R21
(cadre-management effects of 诫勉 / 免职 / 降职, from memory — marked unverified).
"""

from django.db import migrations


from accountability.defaults import GROUNDS, RULES


def seed(apps, schema_editor):
    Ground = apps.get_model("accountability", "AccountabilityGround")
    Rule = apps.get_model("accountability", "InfluencePeriodRule")
    for number, name, catch_all in GROUNDS:
        Ground.objects.get_or_create(
            number=number, defaults={"name": name, "is_catch_all": catch_all}
        )
    for kind, subtype, months, basis, verified in RULES:
        Rule.objects.get_or_create(
            kind=kind,
            subtype=subtype,
            defaults={"months": months, "basis": basis, "is_verified": verified},
        )


class Migration(migrations.Migration):
    dependencies = [("accountability", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
