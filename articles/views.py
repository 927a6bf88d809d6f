"""The demo pages: the article list and each article with the comment widget under it.

Thin views over articles.selectors; every value reaches the page through Django's
template escaping.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from articles.selectors import article_get, article_list
from web.errors import NotFound


def article_index(request: HttpRequest) -> HttpResponse:
    return render(request, "articles/index.html", {"articles": article_list()})


def article_page(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        article = article_get(slug=slug)
    except NotFound as exc:
        raise Http404(exc.message) from None
    return render(request, "articles/article.html", {"article": article})
