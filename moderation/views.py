"""Staff-only pages outside the DRF API: evaluation reports written by evaluate_model."""

import mimetypes
import re

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest

from moderation.evaluation import reports_dir

_SAFE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


def model_report_file(request: HttpRequest, folder: str, name: str = "index.html") -> FileResponse:
    """One file of a report folder. Wrapped by ``admin_view`` in the URLconf, so only
    staff reach it, and only those who may see the model registry; names are checked
    so nothing outside the reports folder is served."""
    if not request.user.has_perm("moderation.view_modelversion"):
        raise PermissionDenied
    if not (_SAFE_NAME.match(folder) and _SAFE_NAME.match(name)) or ".." in (folder, name):
        raise Http404("no such report")
    path = reports_dir() / folder / name
    if not path.is_file():
        raise Http404("no such report")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), content_type=content_type)
