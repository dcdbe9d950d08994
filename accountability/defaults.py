"""Default rows of the configurable tables (问责情形, 影响期, 组合规则), used by migrations 0002
and 0006 and by `ensure_defaults()` (tests that flush the database, the demo step). Edit the
rows in the admin, not here; these are only the seeds.

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


# Measure combination rules (R10 art.8 "依据规定合并使用"; the defaults of domain.md "Authority
# in practice", local practice [P]): (rule name, effect, basis, pairs of kinds). A pair without
# a row may be combined. See accountability/README.md.
SAME_KIND = "同一方式不重复使用"
ONE_SANCTION = "一案一对象每一渠道至多一项处分"
NO_ADMONITION_WITH_SANCTION = "诫勉不与党纪处分并用"
HANDLING_WITH_SANCTION = "组织调整或组织处理可与党纪处分并用"
CIRCULATION_WITH_ANY = "通报可与其他方式并用"
COMBINATIONS = [
    (
        SAME_KIND,
        "forbid",
        "同一决定对同一对象,同一种问责方式只用一次",
        [
            ("org_self_criticism", "org_self_criticism"),
            ("circulated_criticism", "circulated_criticism"),
            ("reorganization", "reorganization"),
            ("admonition", "admonition"),
            ("organizational_handling", "organizational_handling"),
        ],
    ),
    (
        ONE_SANCTION,
        "forbid",
        "同一案件对同一对象,党纪处分、政务处分各至多一项;变更须经纠错或申诉",
        [
            ("party_sanction", "party_sanction"),
            ("public_office_sanction", "public_office_sanction"),
        ],
    ),
    (
        NO_ADMONITION_WITH_SANCTION,
        "forbid",
        "同一事实已给予党纪处分的,不再诫勉(处分是更重的处理)",
        [("admonition", "party_sanction")],
    ),
    (
        HANDLING_WITH_SANCTION,
        "allow",
        "如警告并免职",
        [("organizational_handling", "party_sanction")],
    ),
    (
        CIRCULATION_WITH_ANY,
        "allow",
        "通报可伴随其他任何问责方式",
        [
            ("circulated_criticism", other)
            for other in (
                "org_self_criticism",
                "reorganization",
                "admonition",
                "organizational_handling",
                "party_sanction",
                "public_office_sanction",
            )
        ],
    ),
]


def combination_rows() -> list[dict[str, str]]:
    """The default rows, one per unordered pair, stored in the table's order."""
    rows = []
    for name, effect, basis, pairs in COMBINATIONS:
        for a, b in pairs:
            kind, other = sorted((a, b))
            rows.append(
                {"name": name, "effect": effect, "basis": basis, "kind": kind, "other_kind": other}
            )
    return rows


def ensure_defaults() -> int:
    """Create whichever default grounds and influence-period rules are missing."""
    from accountability.models import (
        AccountabilityGround,
        InfluencePeriodRule,
        MeasureCombinationRule,
    )

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
    for row in combination_rows():
        created += MeasureCombinationRule.objects.get_or_create(
            kind=row["kind"], other_kind=row["other_kind"], defaults=row
        )[1]
    return created


DEFAULT_MONTHS = {(kind, subtype): months for kind, subtype, months, _b, _v in RULES}
