import factory
from django.contrib.auth import get_user_model

from articles.models import Article
from discussion.models import Comment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"reader{n}")
    password = factory.django.Password("a-long-test-password")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Artikel Nummer {n}")
    slug = factory.Sequence(lambda n: f"artikel-nummer-{n}")
    teaser = "Ein kurzer Vorspann."
    body = [{"type": "paragraph", "text": "Ein Absatz."}]


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Kommentar {n}")
    status = Comment.Status.PUBLISHED
