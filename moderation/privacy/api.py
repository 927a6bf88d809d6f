"""GET /api/me/export/: a signed-in reader downloads their own data as one JSON file
(GDPR Art. 15 and 20). The data is privacy.export's; this is its shape."""

from typing import cast

from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from discussion.models import Comment, Report
from moderation.models import AuditEntry
from moderation.privacy.export import TOLD_RESTRICTIONS, reader_data_export
from web.api_errors import NOT_AUTHENTICATED
from web.requests import AuthenticatedRequest

SHOWN_STATUSES = [status for status in Comment.Status.values if status != Comment.Status.HELD]
DECIDERS = [actor for actor in AuditEntry.Actor.values if actor != AuditEntry.Actor.AUTHOR]


class ExportConsentOutput(serializers.Serializer):
    given_at = serializers.DateTimeField()
    through = serializers.CharField(
        help_text="`registration` (the form's box) or `sso` (the publisher's terms, at its sign-in)."
    )
    netiquette_url = serializers.CharField(help_text="The discussion rules agreed to.")
    privacy_url = serializers.CharField(help_text="The privacy notice agreed to.")


class ExportAccountOutput(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField(allow_blank=True)
    email = serializers.EmailField(allow_null=True, help_text="As given at registration; null if none.")
    date_joined = serializers.DateTimeField()
    last_login = serializers.DateTimeField(allow_null=True)
    banned = serializers.BooleanField()
    ban_reason = serializers.CharField(allow_blank=True)
    suspended_until = serializers.DateTimeField(allow_null=True)
    suspension_reason = serializers.CharField(allow_blank=True)
    consent = ExportConsentOutput(
        allow_null=True, help_text="Your agreement to the discussion rules and the privacy notice."
    )
    language = serializers.CharField(
        allow_blank=True, help_text="The language of your mails; empty: the site's."
    )
    author_notifications = serializers.BooleanField(help_text="Whether you get mails about your comments.")


class ExportPublisherAccountOutput(serializers.Serializer):
    id = serializers.CharField(help_text="Your account id at the publisher (user.id of its sign-in).")
    email = serializers.EmailField()
    username = serializers.CharField(help_text="Your name at the publisher, as its last sign-in gave it.")
    role = serializers.CharField(allow_blank=True)
    badges = serializers.ListField(child=serializers.CharField())
    last_issued_at = serializers.DateTimeField(
        allow_null=True, help_text="When its last sign-in applied was made."
    )


class ExportArticleOutput(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()


class ExportRevisionOutput(serializers.Serializer):
    revision = serializers.IntegerField()
    body = serializers.CharField(allow_blank=True)
    written_at = serializers.DateTimeField()


class ExportCommentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    article = ExportArticleOutput()
    parent = serializers.IntegerField(allow_null=True, help_text="The comment this one answers.")  # type: ignore[assignment]  # a field; DRF moves it off the class
    status = serializers.ChoiceField(choices=SHOWN_STATUSES, help_text="A held comment reads `pending`.")
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    revision = serializers.IntegerField(help_text="The number of the current text, `body`.")
    body = serializers.CharField(allow_blank=True, help_text="The current text.")
    earlier_revisions = ExportRevisionOutput(many=True, help_text="The texts before each edit, oldest first.")


class ExportReactionOutput(serializers.Serializer):
    comment = serializers.IntegerField(help_text="The comment you liked.")
    created_at = serializers.DateTimeField()


class ExportReportOutput(serializers.Serializer):
    comment = serializers.IntegerField(help_text="The comment you reported.")
    comment_revision = serializers.IntegerField(help_text="The revision of its text you reported.")
    reason = serializers.ChoiceField(choices=Report.Reason.values)
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["open", "resolved"], help_text="Whether a moderator decided it.")
    resolved_at = serializers.DateTimeField(allow_null=True)


class ExportDecisionOutput(serializers.Serializer):
    comment = serializers.IntegerField()
    comment_revision = serializers.IntegerField(help_text="The revision of the text decided.")
    from_status = serializers.ChoiceField(choices=SHOWN_STATUSES)
    to_status = serializers.ChoiceField(choices=SHOWN_STATUSES)
    reason = serializers.CharField(allow_blank=True)
    decided_by = serializers.ChoiceField(
        choices=DECIDERS, help_text="`model` (the classifier), `moderator` or `system`; never a name."
    )
    decided_at = serializers.DateTimeField()


class ExportRestrictionOutput(serializers.Serializer):
    action = serializers.ChoiceField(choices=[str(action) for action in TOLD_RESTRICTIONS])
    reason = serializers.CharField(allow_blank=True)
    until = serializers.DateTimeField(allow_null=True, help_text="The end of a suspension.")
    decided_by = serializers.ChoiceField(choices=[AuditEntry.Actor.MODERATOR.value])
    decided_at = serializers.DateTimeField()


class ExportNoteOutput(serializers.Serializer):
    text = serializers.CharField()
    comment = serializers.IntegerField(
        allow_null=True, help_text="The comment it was written beside, if any."
    )
    written_by = serializers.CharField(help_text='Always "moderator": who wrote a note shows as a role.')
    written_at = serializers.DateTimeField()


class ExportOutput(serializers.Serializer):
    exported_at = serializers.DateTimeField()
    account = ExportAccountOutput()
    publisher_account = ExportPublisherAccountOutput(
        allow_null=True, help_text="What the publisher's sign-in (SSO) told about you; null without one."
    )
    comments = ExportCommentOutput(many=True)
    reactions = ExportReactionOutput(many=True)
    reports = ExportReportOutput(many=True)
    decisions = ExportDecisionOutput(
        many=True, help_text="Changes of your comments' status by the classifier or the moderators."
    )
    restrictions = ExportRestrictionOutput(many=True, help_text="Suspensions and bans of your account.")
    moderator_notes = ExportNoteOutput(
        many=True,
        help_text="Notes the moderators wrote about you for each other (never shown in the discussion).",
    )


CONTENT_DISPOSITION = OpenApiParameter(
    "Content-Disposition",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200],
    description='`attachment; filename="stammtisch-export-<username>.json"`',
)


class MeExportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_export",
        summary="Download your data (account, comments and their edits, likes, reports, decisions)",
        parameters=[CONTENT_DISPOSITION],
        responses={200: ExportOutput, 401: NOT_AUTHENTICATED},
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        response = Response(ExportOutput(reader_data_export(user=request.user)).data)
        filename = f"stammtisch-export-{request.user.get_username()}.json"
        # Quoted for any username; an attachment always gets a header (never None).
        response["Content-Disposition"] = cast(
            str, content_disposition_header(as_attachment=True, filename=filename)
        )
        # Personal data: kept by no cache between here and the reader.
        patch_cache_control(response, private=True, no_store=True)
        return response
