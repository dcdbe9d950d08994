"""Write services of accountability, one module per sub-domain.

`cases` (the procedure from lead to archive, corrections), `targets` (who is held to account),
`measures` (measures, influence periods, formalities), `appeals`, `disciplinary`
(disciplinary cases and their 一案双查 probes). Reads live beside them: bodies.py, dual.py,
proposals.py, selectors.py, stats.py.

Every service takes a keyword-only `actor` (liangge_zeren.actors.write_service: the outermost
call runs in `transaction.atomic(durable=True)` and history rows name the actor). State
changes ask the transition tables in accountability/workflows.py after locking the row and
raise liangge_zeren.workflow.TransitionRefused with a Chinese message.
"""
