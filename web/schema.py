"""The OpenAPI schema's view of a request body that drf-spectacular leaves out."""

from typing import Any

from drf_spectacular.openapi import AutoSchema


class DeleteWithBodySchema(AutoSchema):
    """The schema of a view whose DELETE takes a JSON body (the password that confirms
    an account's deletion). drf-spectacular describes bodies of POST, PUT and PATCH
    only; OpenAPI allows one on DELETE, and without it the schema would hide an input
    the API requires. The body is described as it would be for a POST."""

    def _get_request_body(self, direction: str = "request") -> Any:
        if self.method != "DELETE":
            return super()._get_request_body(direction)
        self.method = "POST"
        try:
            return super()._get_request_body(direction)
        finally:
            self.method = "DELETE"
