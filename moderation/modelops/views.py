"""Staff-only pages outside the DRF API: evaluation reports written by evaluate_model."""

import mimetypes
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest

from moderation.modelops.evaluation import reports_dir


def _entry(directory: Path, name: str) -> Path | None:
    # Found by listing the directory, not by joining the name a client sent: only a
    # direct child can match, whatever the name holds ("..", "%", "+", NUL, …), and
    # a report folder may be named after any model version.
    if not directory.is_dir():
        return None
    return next((path for path in directory.iterdir() if path.name == name), None)


def model_report_file(request: HttpRequest, folder: str, name: str = "index.html") -> FileResponse:
    """One file of a report folder. Wrapped by ``admin_view`` in the URLconf, so only
    staff reach it, and only those who may see the model registry; nothing outside
    the report folders is served."""
    if not request.user.has_perm("moderation.view_modelversion"):
        raise PermissionDenied
    report = _entry(reports_dir(), folder)
    path = _entry(report, name) if report is not None else None
    if path is None or not path.is_file():
        raise Http404("no such report")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), content_type=content_type)
