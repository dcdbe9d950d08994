"""Cursor pagination for every list endpoint: stable under inserts, no COUNT(*) query."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # The default; a viewset's `ordering`/`ordering_fields` (OrderingFilter) take precedence.
    ordering = "-pk"
    cursor_query_description = "分页游标(取自上一页的 next/previous 链接)。"
    page_size_query_description = "每页条数(1–200)。"

    def get_page_size(self, request: Any) -> int:
        """The asked page size; a value that is not 1–200 is bad input (400), never silently
        replaced by the default."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [_("每页条数须为 1 到 200 的整数。")]}
            )
        return int(raw)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                }
        return parameters
