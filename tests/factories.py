import factory
from django.contrib.auth import get_user_model
from django.db.models import F

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
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    author = factory.SubFactory(UserFactory)
    body = factory.Sequence(lambda n: f"Kommentar {n}")
    status = Comment.Status.PUBLISHED

    @factory.post_generation
    def count_if_published(comment: Comment, create: bool, extracted: object, **kwargs: object) -> None:
        # As comment_change_status does, so that the article's count is consistent.
        if create and comment.status == Comment.Status.PUBLISHED:
            Article.objects.filter(pk=comment.article_id).update(comment_count=F("comment_count") + 1)


def reply_to(parent: Comment, **fields: object) -> Comment:
    """A reply in parent's thread, with article, root and depth as comment_create sets them."""
    return CommentFactory(
        article=parent.article,
        parent=parent,
        root_id=parent.root_id or parent.pk,
        depth=parent.depth + 1,
        **fields,
    )
