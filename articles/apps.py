from django.apps import AppConfig
from django.core import checks


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        from articles.checks import site_comment_mode_reader_check

        checks.register(site_comment_mode_reader_check)
