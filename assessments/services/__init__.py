"""Write services of assessments: `snapshots` (computing, rolling up, adjusting and
publishing the quarterly results) and `evaluations` (democratic evaluations and the other
evaluation inputs). Reads: selectors.py; who assesses whom: authority.py.

Every service takes a keyword-only `actor` (liangge_zeren.actors.write_service). A published
snapshot never changes (SNAPSHOT_FLOW in assessments/workflows.py).
"""
