from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "rxtriage.console"
    label = "console"
    verbose_name = "Review console"
