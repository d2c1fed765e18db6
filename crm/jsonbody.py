"""Reading a request's body as JSON, for every endpoint that takes JSON: the API
(through ApiParser), the inbound mail webhook and the tracking beacon.

One place refuses what a stranger can send to make the parser fail: a body over
the limit (413, refused from its Content-Length before it is read), invalid
UTF-8, invalid JSON, NaN and Infinity (which no database column takes), nesting
deeper than MAX_DEPTH, and a top-level value of the wrong kind (400). Nesting
is measured on the bytes before json.loads, because the parser recurses once a
level and a few thousand brackets would end in a RecursionError (a 500).
"""

import itertools
import json
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from ninja.parser import Parser

MAX_DEPTH = 64
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_STEPS = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in _STEPS)


class JsonBodyError(Exception):
    """A body the endpoint refuses: the message says why, for the caller to read."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.status = status


def json_body(
    request: HttpRequest, *, limit: int | None = None, kinds: tuple[type, ...] = (dict,)
) -> Any:
    """The body as JSON, of one of `kinds` at the top (an object unless told)."""
    return json_parse(_body_bytes(request, limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE), kinds)


def json_parse(raw: bytes, kinds: tuple[type, ...] = (dict,)) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonBodyError("The body is not valid UTF-8.") from None
    if _nested_too_deep(raw):
        raise JsonBodyError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        raise JsonBodyError("The body is not valid JSON.") from None
    if not isinstance(value, kinds):
        raise JsonBodyError(f"Send {_kinds_named(kinds)}.")
    return value


class ApiParser(Parser):
    """django-ninja's parser, through json_body. Ninja wraps what it raises in an
    HttpError(400) whose cause is the JsonBodyError, which crm.api answers."""

    def parse_body(self, request: HttpRequest) -> dict:
        return json_body(request)


def _body_bytes(request: HttpRequest, limit: int) -> bytes:
    too_big = JsonBodyError(f"The body may be at most {limit} bytes.", status=413)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise JsonBodyError("The Content-Length header is not a number.") from None
    if declared > limit:
        raise too_big
    try:
        raw = request.body  # Django refuses past DATA_UPLOAD_MAX_MEMORY_SIZE
    except RequestDataTooBig:
        raise too_big from None
    if len(raw) > limit:  # a chunked body declares no length
        raise too_big
    return raw


def _nested_too_deep(raw: bytes) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH. An invalid
    body (an unclosed string) may count deeper than it is: refused all the same."""
    brackets = _STRING.sub(b"", raw).translate(None, delete=_NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_DEPTH:
        return False
    return max(itertools.accumulate(map(_STEPS.__getitem__, brackets))) > MAX_DEPTH


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _kinds_named(kinds: tuple[type, ...]) -> str:
    names = {dict: "one JSON object", list: "a list of them"}
    return " or ".join(names[kind] for kind in kinds)
