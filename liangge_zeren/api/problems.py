"""Errors as RFC 9457 `application/problem+json`, with a Chinese `detail`.

One mapping for every endpoint (settings REST_FRAMEWORK["EXCEPTION_HANDLER"]):

- not signed in / bad, expired or revoked token: 401;
- out of scope (Http404 from the scoped queryset): 404, never confirming existence;
- in scope but read-only, or a token without the capability: 403;
- a refused workflow transition (`TransitionRefused`) or a service's refusal (a Django
  `ValidationError` without fields): 409 with the rule's message;
- a stale `If-Match` or a service's `EditConflict`: 412;
- bad input (serializer errors, a service's field errors): 400 with `errors` per field;
- throttled: 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from liangge_zeren.concurrency import EditConflict
from liangge_zeren.workflow import TransitionRefused

PROBLEM_JSON = "application/problem+json"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "版本已过期:该记录在您读取后已被修改,请重新读取后再提交。"
    default_code = "stale_version"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "当前状态不允许此操作。"
    default_code = "refused"


def _titles() -> dict[int, str]:
    return {
        400: _("请求内容有误"),
        401: _("未登录或令牌无效"),
        403: _("无权执行此操作"),
        404: _("未找到"),
        405: _("不支持此请求方法"),
        406: _("不支持请求的格式"),
        409: _("操作被拒绝"),
        412: _("版本冲突"),
        413: _("上传内容过大"),
        415: _("不支持的内容类型"),
        429: _("请求过于频繁"),
    }


def _default_details() -> dict[int, str]:
    return {
        401: _("请登录,或在 Authorization 头中提供有效的 Bearer 令牌。"),
        403: _("您没有执行此操作的权限。"),
        404: _("未找到该记录,或您无权查看。"),
        405: _("该地址不支持此请求方法。"),
        429: _("请求过于频繁,请稍后再试。"),
    }


def _messages(error: DjangoValidationError) -> list[str]:
    return [str(m) for m in error.messages]


def _translate(exc: Exception) -> Exception:
    """Django's and the domain's exceptions as DRF exceptions (or left as they are)."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, TransitionRefused):
        return Conflict(str(exc.message))
    if isinstance(exc, EditConflict):
        return PreconditionFailed()
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {
                    name: [str(m) for m in errors[0].messages]
                    if len(errors) == 1
                    else [str(m) for e in errors for m in e.messages]
                    for name, errors in exc.error_dict.items()
                }
            )
        return Conflict("".join(_messages(exc)))
    return exc


def _flatten(detail: Any) -> str:
    if isinstance(detail, dict):
        parts = [_flatten(v) for v in detail.values()]
        return " ".join(p for p in parts if p)
    if isinstance(detail, list):
        return " ".join(_flatten(v) for v in detail)
    return str(detail)


def problem(status_code: int, detail: str, *, code: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _titles().get(status_code, _("请求失败")),
        "status": status_code,
        "detail": detail,
    }
    if code:
        body["code"] = code
    body.update(extra)
    return body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _translate(exc)
    if not isinstance(exc, exceptions.APIException):
        return None  # a programming error: Django's 500 (logged), never a leak of details
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = str(exc.auth_header)
    if getattr(exc, "wait", None) is not None:
        headers["Retry-After"] = str(int(exc.wait or 0) + 1)
    code = exc.status_code
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = _flatten(exc.detail)
        extra["errors"] = exc.detail
    else:
        detail = (
            str(exc.detail) if not isinstance(exc.detail, (dict, list)) else _flatten(exc.detail)
        )
        # DRF's English defaults become the Chinese ones.
        default = _default_details().get(code)
        if default and detail == str(type(exc).default_detail):
            detail = default
    codes = exc.get_codes()
    body = problem(code, detail, code=codes if isinstance(codes, str) else "", **extra)
    set_rollback()
    response = Response(body, status=code, headers=headers, content_type=PROBLEM_JSON)
    return response
