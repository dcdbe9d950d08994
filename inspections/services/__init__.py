"""Write services of inspections, one module per sub-domain.

`rounds` (rounds, feedback, face-to-face reviews, rectification reports), `findings`
(findings, responsibilities, evidence, case-lead transfer, concealment), `tasks`
(rectification tasks and extension requests), `risk_profiles`.

Every service takes a keyword-only `actor` (liangge_zeren.actors.write_service: the outermost
call runs in `transaction.atomic(durable=True)` and history rows name the actor). State
changes ask the transition tables in inspections/workflows.py after locking the row and
raise liangge_zeren.workflow.TransitionRefused with a Chinese message.
"""
