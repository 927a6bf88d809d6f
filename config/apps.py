from django.contrib.admin.apps import AdminConfig


class StammtischAdminConfig(AdminConfig):
    """The admin, with the site of config/admin.py as django.contrib.admin.site."""

    default_site = "config.admin.StammtischAdminSite"
