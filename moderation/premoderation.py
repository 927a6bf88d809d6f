"""Pre-moderation: on an article whose effective comment mode is ``pre`` nothing
publishes itself; what the model would publish waits for a moderator instead."""

from articles.models import Article
from articles.selectors import comment_mode_effective
from discussion.models import Comment
from moderation.policy import Verdict

PRE_MODERATED = "pre-moderated article"


def verdict_for_article(verdict: Verdict, *, comment_id: int) -> Verdict:
    """The verdict, except that publishing a comment of a pre-moderated article
    becomes holding it. Holding and rejecting stay as they are. At most one query."""
    if verdict.status != Comment.Status.PUBLISHED:
        return verdict
    mode = Comment.objects.filter(pk=comment_id).values_list("article__comment_mode", flat=True).first()
    if mode is not None and comment_mode_effective(mode) == Article.CommentMode.PRE:
        return Verdict(Comment.Status.HELD, PRE_MODERATED)
    return verdict
