"""Hooks the dashboards' scale seeding into `seed_demo --scale` (see dashboards/scale.py).

`responsibilities.demo.discover_steps()` imports `<app>.demo` of every installed app; this
app is last, so its scale steps run after the org tree, bodies, people and tenures exist.
"""

from dashboards import scale  # noqa: F401  (registers the @scale_step functions)
