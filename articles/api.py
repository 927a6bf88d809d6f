from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView

from articles.models import Article
from articles.selectors import article_get, article_list


class BlockSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["paragraph", "subheading"])
    text = serializers.CharField()


class ArticleListOutput(serializers.ModelSerializer):
    class Meta:
        model = Article
        fields = ["slug", "title", "teaser", "language", "published_at", "comments_open", "comment_count"]


class ArticleDetailOutput(ArticleListOutput):
    body = BlockSerializer(many=True)

    class Meta(ArticleListOutput.Meta):
        fields = [*ArticleListOutput.Meta.fields, "body"]


class ArticleListApi(ListAPIView):
    serializer_class = ArticleListOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return article_list()


class ArticleDetailApi(RetrieveAPIView):
    serializer_class = ArticleDetailOutput

    def get_object(self) -> Article:
        return article_get(slug=self.kwargs["slug"])
