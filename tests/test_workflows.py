"""Every (status, action) pair of every transition table (liangge_zeren/workflow.py).

For each registered table, each status and each action: the table allows the move exactly
when the status is one the action is listed from (the new status is the listed target, or
the same one for an action recorded in place), and refuses it otherwise with a message that
names why, leaving the status as it was. Guards and permissions have their own tests in the
apps; here they are set aside so that the table itself is what is checked.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pytest
from django.utils.module_loading import autodiscover_modules

# Every app's tables: the ones named here, and whatever other app declares `workflows.py`.
import accountability.workflows
import assessments.workflows
import inspections.workflows
import responsibilities.workflows
from liangge_zeren.workflow import TransitionRefused, Workflow, registered_workflows

autodiscover_modules("workflows")

EXPECTED_TABLES = {
    inspections.workflows.ROUND_FLOW.name,
    inspections.workflows.TASK_FLOW.name,
    inspections.workflows.EXTENSION_FLOW.name,
    accountability.workflows.CASE_FLOW.name,
    accountability.workflows.DISCIPLINARY_FLOW.name,
    accountability.workflows.PROBE_FLOW.name,
    accountability.workflows.MEASURE_FLOW.name,
    accountability.workflows.APPEAL_FLOW.name,
    assessments.workflows.SNAPSHOT_FLOW.name,
    assessments.workflows.EVALUATION_ROUND_FLOW.name,
    responsibilities.workflows.LIST_FLOW.name,
    responsibilities.workflows.LOG_FLOW.name,
    responsibilities.workflows.REPORT_FLOW.name,
}

PAIRS = [
    pytest.param(name, status, transition.action, id=f"{name}:{status or '∅'}:{transition.action}")
    for name, flow in sorted(registered_workflows().items())
    for status in flow.statuses.values
    for transition in flow
]


def test_it_registers_every_table_of_the_apps():
    assert set(registered_workflows()) >= EXPECTED_TABLES


@pytest.fixture
def table(request, monkeypatch) -> Workflow:
    """The table under test without its guards (the table, not the data, is checked)."""
    flow = registered_workflows()[request.param]
    bare = [dataclasses.replace(t, guard=None) for t in flow]
    monkeypatch.setattr(flow, "transitions", bare)
    monkeypatch.setattr(flow, "_by_action", {t.action: t for t in bare})
    return flow


@pytest.mark.parametrize(("table", "status", "action"), PAIRS, indirect=["table"])
def test_it_allows_exactly_the_listed_moves(table, status, action):
    transition = table[action]
    obj = SimpleNamespace(**{table.status_field: status})
    listed = status in transition.sources
    assert (action in table.allowed_actions(obj)) == listed
    if listed:
        assert table.refusal(obj, action) is None
        previous = table.move(obj, action)
        assert previous == status
        assert getattr(obj, table.status_field) == (transition.target or status)
    else:
        message = table.refusal(obj, action)
        assert isinstance(message, str) and message.strip()
        assert str(transition.refused or transition.label) in message
        with pytest.raises(TransitionRefused) as refused:
            table.move(obj, action)
        assert str(refused.value) == message
        assert getattr(obj, table.status_field) == status
