"""The thread page as the least a Django view can do: the same selector call as
GET /api/articles/{slug}/comments/, answered with JsonResponse, no DRF. Benchmark
code only (bench.settings): it checks its input just enough not to fail."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from articles.models import Article
from discussion.selectors import thread_page


def plain_thread(request: HttpRequest, slug: str) -> JsonResponse:
    article = Article.objects.filter(slug=slug).first()
    if article is None:
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    sort = request.GET.get("sort", "oldest")
    limit = int(request.GET.get("limit", settings.THREAD_PAGE_SIZE))
    page = thread_page(
        article=article, user=request.user, sort=sort, cursor=request.GET.get("cursor"), limit=limit
    )
    next_url = None
    if page.next_cursor is not None:
        query = {**request.GET.dict(), "cursor": page.next_cursor}
        next_url = request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
    return JsonResponse(
        {
            "article": article.slug,
            "comment_count": article.comment_count,
            "sort": sort,
            "next": next_url,
            "next_cursor": page.next_cursor,
            "results": page.results,
        }
    )
