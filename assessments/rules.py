"""Permissions of the assessments app (predicate and queryset filter side by side).

Snapshots and evaluation rows are read by every tenure holder over the unit (VIEW of the
subtree: a unit sees its own result and its subordinates'). Publishing is decided per object
in services.may_publish (MANAGE over the *parent* unit).
"""

from responsibilities.scoping import Capability, PathClause, define

for _model in ("assessmentsnapshot", "evaluationround", "evaluationinput", "manualadjustment"):
    define(f"assessments.view_{_model}", [PathClause(Capability.VIEW, "org_path")])
    define(f"assessments.change_{_model}", [PathClause(Capability.MANAGE, "org_path")])
