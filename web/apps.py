from django.apps import AppConfig
from django.core import checks


class WebConfig(AppConfig):
    """An app for the locked-out page's template and the system checks of the
    settings that web reads."""

    name = "web"
    verbose_name = "Web"

    def ready(self) -> None:
        from web.security import proxy_settings_check

        checks.register(proxy_settings_check, checks.Tags.security, deploy=True)
