"""Default rows of the configurable tables (问责情形, 影响期), used by migration 0002 and by
`ensure_defaults()` (tests that flush the database, the demo step). Edit the rows in the
admin, not here; these are only the seeds.

Influence periods: R17 (纪律处分条例, verified), R20 (政务处分法 art.8, verified), R21
(cadre-management effects of 诫勉 / 免职 / 降职, from memory — marked unverified).
"""

GROUNDS = [
    (1, "党的领导弱化", False),
    (2, "党的政治建设抓得不实", False),
    (3, "党的思想建设缺失", False),
    (4, "党的组织建设薄弱", False),
    (5, "党的作风建设松懈", False),
    (6, "党的纪律建设抓得不严", False),
    (7, "推进党风廉政建设和反腐败斗争不坚决、不扎实", False),
    (8, "全面从严治党主体责任、监督责任落实不到位", False),
    (9, "履行管理、监督职责不力", False),
    (10, "民生领域不作为、乱作为、慢作为、假作为", False),
    (11, "其他应当问责的失职失责情形", True),
]

# (kind, subtype, months or None, basis, verified)
RULES = [
    ("party_sanction", "warning", 12, "纪律处分条例:警告,一年内不得晋升职务", True),
    ("party_sanction", "serious_warning", 18, "纪律处分条例:严重警告,一年半内不得晋升", True),
    ("party_sanction", "removal_from_party_posts", 24, "纪律处分条例:二年内不得担任相当职务", True),
    (
        "party_sanction",
        "probation_1y",
        36,
        "纪律处分条例:察看一年,恢复后二年内不得担任相当职务",
        True,
    ),
    (
        "party_sanction",
        "probation_2y",
        48,
        "纪律处分条例:察看二年,恢复后二年内不得担任相当职务",
        True,
    ),
    ("party_sanction", "expulsion", 60, "纪律处分条例:开除党籍,五年内不得重新入党", True),
    ("public_office_sanction", "warning", 6, "政务处分法第八条:警告六个月", True),
    ("public_office_sanction", "demerit", 12, "政务处分法第八条:记过十二个月", True),
    ("public_office_sanction", "major_demerit", 18, "政务处分法第八条:记大过十八个月", True),
    ("public_office_sanction", "demotion", 24, "政务处分法第八条:降级二十四个月", True),
    ("public_office_sanction", "dismissal_from_post", 24, "政务处分法第八条:撤职二十四个月", True),
    ("public_office_sanction", "expulsion", None, "政务处分法第八条:开除无处分期间", True),
    ("admonition", "talk", 6, "干部任用有关规定:诫勉六个月内不得提拔(待核对)", False),
    ("admonition", "written", 6, "干部任用有关规定:诫勉六个月内不得提拔(待核对)", False),
    (
        "organizational_handling",
        "ordered_resignation",
        12,
        "责令辞职一年内不得担任领导职务(待核对)",
        False,
    ),
    ("organizational_handling", "removal", 12, "免职一年内不得担任领导职务(待核对)", False),
    ("organizational_handling", "demotion", 24, "降职二年内不得提拔(待核对)", False),
    ("organizational_handling", "suspension_for_review", None, "", False),
    ("organizational_handling", "reassignment", None, "", False),
    ("circulated_criticism", "", None, "", False),
    ("org_self_criticism", "", None, "", False),
    ("reorganization", "", None, "", False),
]


def ensure_defaults() -> int:
    """Create whichever default grounds and influence-period rules are missing."""
    from accountability.models import AccountabilityGround, InfluencePeriodRule

    created = 0
    for number, name, catch_all in GROUNDS:
        created += AccountabilityGround.objects.get_or_create(
            number=number, defaults={"name": name, "is_catch_all": catch_all}
        )[1]
    for kind, subtype, months, basis, verified in RULES:
        created += InfluencePeriodRule.objects.get_or_create(
            kind=kind,
            subtype=subtype,
            defaults={"months": months, "basis": basis, "is_verified": verified},
        )[1]
    return created


DEFAULT_MONTHS = {(kind, subtype): months for kind, subtype, months, _b, _v in RULES}
