"""The OpenAPI schema's error answers: every operation documents its problem+json responses.

A spectacular postprocessing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]) adds, where
an operation does not document them itself, the answers liangge_zeren/api/problems.py gives
to any request — 400 bad input, 401 not signed in, 403 read-only, 404 out of scope (or a bad
cursor), 429 throttled — and, to writes, 409 refused, 412 stale version, 413/415 bad upload,
each as `application/problem+json` with the `Problem` schema. So a client (and schemathesis'
status-code check) knows every status the API may answer.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.hooks import postprocess_schema_enums

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 错误说明(detail 为中文)。",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status", "detail"],
}
READ_ANSWERS = {
    "400": "请求参数有误(errors 按字段说明)。",
    "401": "未登录或令牌无效、过期、已撤销。",
    "403": "无权执行此操作(只读,或令牌未授予此项能力)。",
    "404": "不存在或不在您的范围内(或分页游标无效)。",
    "429": "请求过于频繁(见 Retry-After)。",
}
WRITE_ANSWERS = {
    **READ_ANSWERS,
    "409": "流程规则或业务规则拒绝,detail 为规则的说明。",
    "412": "版本已过期(If-Match 与 ETag 不符)。",
    "413": "上传内容过大。",
    "415": "不支持的内容类型。",
}
SAFE = {"get", "head", "options"}


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    result = postprocess_schema_enums(result, generator, request=request, public=public)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Problem", PROBLEM_SCHEMA)
    reference = {"$ref": "#/components/schemas/Problem"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = READ_ANSWERS if method in SAFE else WRITE_ANSWERS
            for code, description in answers.items():
                response = operation["responses"].setdefault(code, {"description": description})
                response.setdefault("content", {PROBLEM: {"schema": reference}})
    return result
