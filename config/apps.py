from django.contrib.admin.apps import AdminConfig
from django.core import checks


class StammtischAdminConfig(AdminConfig):
    """The admin, with the site of config/admin.py as django.contrib.admin.site; as
    the project's own app config it also registers the project's system checks."""

    default_site = "config.admin.StammtischAdminSite"

    def ready(self) -> None:
        super().ready()
        from config.security import proxy_settings_check

        checks.register(proxy_settings_check, checks.Tags.security, deploy=True)
