"""Demo reminders: run every reminder job for today, so the demo accounts find reminders in
their inboxes. The last of `demo.steps.DEMO_STEPS`: the jobs remind about what every step
before it created. Idempotent: the delivery keys make a second run on the same day send
nothing.
"""

import time

from django.utils import timezone

from demo.org_tree import DemoContext
from notifications import jobs


def seed_reminders(ctx, under: str | None = None) -> dict:
    """Every reminder job for today, limited to the demo province's subtree (`under`), so a
    scale tree seeded next to it (`--scale`) is left alone and a second run sends nothing."""
    started = time.perf_counter()
    results = jobs.run("reminders", timezone.localdate(), under=under)
    sent = sum(r.get("sent", 0) for r in results.values())
    if sent:
        ctx.created["reminders"] += sent
    ctx.log(
        f"  提醒任务: 新发送 {sent} 条 ({time.perf_counter() - started:.2f} s); "
        + ", ".join(f"{name} {r.get('sent', 0)}" for name, r in results.items())
    )
    return results


def step_reminders(ctx: DemoContext) -> None:
    """Today's reminders and escalations (every reminder job), for the demo inboxes."""
    province = ctx.tree.orgs.get("JH")
    if province is not None:
        seed_reminders(ctx, under=province.path)
