"""Permissions of the assessments app (predicate and queryset filter side by side).

Snapshots and evaluation rows are read by every tenure holder over the unit (VIEW of the
subtree: a unit sees its own result and its subordinates'). Publishing is decided per object
in services.may_publish (MANAGE over the *parent* unit).
"""

from responsibilities.scoping import Capability, register_scoped_perm

for _model in ("assessmentsnapshot", "evaluationround", "evaluationinput", "manualadjustment"):
    register_scoped_perm(f"assessments.view_{_model}", Capability.VIEW)
    register_scoped_perm(f"assessments.change_{_model}", Capability.MANAGE)
