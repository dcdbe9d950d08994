from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and bench data (seed_demo, the scale trees, the test cast, bench).

    Last in INSTALLED_APPS: it imports every product app and no product app imports it.
    """

    name = "demo"
