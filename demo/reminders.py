"""Demo reminders: run every reminder job for today (called by assessments/demo.py).

Not a @demo_step itself: `seed_demo` imports `<app>.demo` in INSTALLED_APPS order and this base
app comes first, so its step would run before the inspections and accountability data exist.
assessments/demo.py (the last app) registers the step that calls `seed_reminders`. Idempotent:
the delivery keys make a second run on the same day send nothing.
"""

import time

from django.utils import timezone

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
