"""``/favicon.ico``, where browsers look for a site's icon: the icon among the static
files (its address may carry a hash, so the answer is a redirect)."""

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect(static("stammtisch/favicon.ico"))
