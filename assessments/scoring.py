"""Score arithmetic, one pure function per rule type (no database access).

`score(rule_type, max_score, params, inputs)` → (Decimal score in [0, max], detail dict).
`inputs` is the organisation's input dict for the quarter (see collect.py); each indicator
names its input with params["input"] (a dotted key such as "logs.study_session").
A rule reads nothing else of `inputs` but "quarters": compute_quarter scores each distinct
(input value, quarters, adjustment) of an indicator once and shares it between units.
Bump RULE_VERSION whenever any arithmetic here changes: snapshots store it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

RULE_VERSION = "2026.2"  # 2026.2: count_threshold "per_quarter" (person assessments)
CENT = Decimal("0.01")


def q(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def clamp(value: Decimal, top: Decimal) -> Decimal:
    return q(min(max(value, Decimal(0)), top))


def lookup(inputs: dict, key: str, default=0):
    value = inputs
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return default
        value = value[part]
    return value


def presence(top: Decimal, params: dict, inputs: dict):
    value = lookup(inputs, params["input"])
    ok = value if isinstance(value, bool) else (value or 0) >= params.get("min", 1)
    return (top if ok else Decimal(0)), {"value": value}


def count_threshold(top: Decimal, params: dict, inputs: dict):
    """count ≥ threshold → full; below: proportional (default) or zero (params all_or_nothing).
    With params per_quarter the threshold is per quarter: × inputs["quarters"] (4 for a year)."""
    count = int(lookup(inputs, params["input"]))
    threshold = max(1, int(params.get("threshold", 1)))
    if params.get("per_quarter"):
        threshold *= max(1, int(inputs.get("quarters", 1)))
    if count >= threshold:
        return top, {"count": count, "threshold": threshold}
    if params.get("all_or_nothing"):
        return Decimal(0), {"count": count, "threshold": threshold}
    return top * Decimal(count) / Decimal(threshold), {"count": count, "threshold": threshold}


def per_occurrence_bonus(top: Decimal, params: dict, inputs: dict):
    """base + bonus once count reaches `threshold` + `per` for each occurrence beyond it."""
    count = int(lookup(inputs, params["input"]))
    base = Decimal(str(params.get("base", 0)))
    threshold = int(params.get("threshold", 0))
    bonus = Decimal(str(params.get("bonus", 0)))
    per = Decimal(str(params.get("per", 1)))
    value = base
    if count >= threshold:
        value += bonus + per * (count - threshold)
    return value, {"count": count}


def per_miss_deduction(top: Decimal, params: dict, inputs: dict):
    """max − per × misses. With "weights", misses is a breakdown {category: n} and each
    category counts by its weight — the incentive rule: self-found problems 0 (not deducted),
    found by others 1, concealed 2 (double)."""
    per = Decimal(str(params.get("per", 1)))
    value = lookup(inputs, params["input"])
    if isinstance(value, dict):
        weights = params.get("weights", {})
        units = sum(Decimal(str(weights.get(k, 1))) * Decimal(int(n)) for k, n in value.items())
        detail = {"breakdown": value, "weighted_misses": str(q(units))}
    else:
        units = Decimal(int(value or 0))
        detail = {"misses": int(value or 0)}
    return top - per * units, detail


def ratio_on_time(top: Decimal, params: dict, inputs: dict):
    value = lookup(inputs, params["input"], {})
    value = value if isinstance(value, dict) else {}
    due, on_time = int(value.get("due", 0)), int(value.get("on_time", 0))
    if due == 0:
        full = params.get("when_none_due", "full") == "full"
        return (top if full else Decimal(0)), {"due": 0, "on_time": 0}
    return top * Decimal(on_time) / Decimal(due), {"due": due, "on_time": on_time}


def survey_band(top: Decimal, params: dict, inputs: dict):
    """A share or score falls in a band → that fraction of the max score.

    params: input; measure "excellent_share" (votes) or "score"; bands [[min, fraction], …]
    high to low; optional penalty {"share": 33.33, "fraction": 0.65} when basic+incompetent
    votes reach that share (瑞安 practice); missing "full" | "zero" when there is no data.
    """
    value = lookup(inputs, params["input"], None)
    if not isinstance(value, dict) or not value:
        full = params.get("missing", "full") == "full"
        return (top if full else Decimal(0)), {"no_data": True}
    if params.get("measure", "score") == "excellent_share":
        total = sum(
            int(value.get(k, 0)) for k in ("excellent", "competent", "basic", "incompetent")
        )
        if total == 0:
            full = params.get("missing", "full") == "full"
            return (top if full else Decimal(0)), {"no_data": True}
        measured = Decimal(int(value.get("excellent", 0)) * 100) / Decimal(total)
        weak = Decimal(
            (int(value.get("basic", 0)) + int(value.get("incompetent", 0))) * 100
        ) / Decimal(total)
        penalty = params.get("penalty")
        if penalty and weak >= Decimal(str(penalty["share"])):
            return top * Decimal(str(penalty["fraction"])), {
                "votes": total,
                "excellent_share": str(q(measured)),
                "weak_share": str(q(weak)),
            }
        detail = {"votes": total, "excellent_share": str(q(measured))}
    else:
        measured = Decimal(str(value.get("score", 0)))
        detail = {"score": str(q(measured))}
    for minimum, fraction in params.get("bands", [[0, 1]]):
        if measured >= Decimal(str(minimum)):
            return top * Decimal(str(fraction)), detail
    return Decimal(0), detail


def knowledge(top: Decimal, params: dict, inputs: dict):
    """知责 tests: a weighted mix of participation (taken / assigned) and the average score
    (0–100) of those who took them. params: input (default "knowledge"), participation
    weight 0–1 (default 0.5); missing "full" | "zero" when nobody was assigned a test."""
    value = lookup(inputs, params.get("input", "knowledge"), {})
    value = value if isinstance(value, dict) else {}
    assigned, taken = int(value.get("assigned", 0)), int(value.get("taken", 0))
    if assigned == 0:
        full = params.get("missing", "full") == "full"
        return (top if full else Decimal(0)), {"no_data": True}
    weight = Decimal(str(params.get("participation", "0.5")))
    rate = Decimal(taken) / Decimal(assigned)
    average = Decimal(str(value.get("average") or 0))
    fraction = weight * rate + (Decimal(1) - weight) * average / Decimal(100)
    return top * fraction, {
        "assigned": assigned,
        "taken": taken,
        "participation": str(q(rate * 100)),
        "average": str(q(average)),
    }


def manual(top: Decimal, params: dict, inputs: dict):
    """Starts at params["default"] (default: full marks); reviewers adjust with reasons."""
    return Decimal(str(params.get("default", top))), {}


RULES = {
    "presence": presence,
    "count_threshold": count_threshold,
    "per_occurrence_bonus": per_occurrence_bonus,
    "per_miss_deduction": per_miss_deduction,
    "ratio_on_time": ratio_on_time,
    "survey_band": survey_band,
    "knowledge": knowledge,
    "manual": manual,
}


def score(rule_type: str, max_score, params: dict, inputs: dict, adjustment=0):
    """The indicator's score, adjustments added, clamped to [0, max] and rounded to 0.01."""
    top = Decimal(str(max_score))
    raw, detail = RULES[rule_type](top, params or {}, inputs)
    adjustment = Decimal(str(adjustment or 0))
    if adjustment:
        detail = {**detail, "adjustment": str(q(adjustment))}
    return clamp(raw + adjustment, top), detail


def light_for(total: Decimal, thresholds: dict) -> str:
    if total >= Decimal(str(thresholds.get("green", 85))):
        return "green"
    if total >= Decimal(str(thresholds.get("yellow", 70))):
        return "yellow"
    return "red"


def grade_for(total: Decimal, bands: list) -> str:
    for minimum, label in bands or [[90, "优秀"], [80, "良好"], [60, "合格"], [0, "不合格"]]:
        if total >= Decimal(str(minimum)):
            return label
    return ""
