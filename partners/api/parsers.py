"""The partner API's JSON parser: DRF's, except that JSON nested too deep for Python's decoder
(a few kilobytes of "[[[[") is a 400 like any other malformed body, not a RecursionError."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deep.") from None
