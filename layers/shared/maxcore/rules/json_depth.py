"""How deeply a JSON text nests, found without parsing it (pure).

``json.loads`` recurses once per level: a 10 KB body of 5,000 ``[`` exhausts the interpreter's stack
(RecursionError, a 500). No request of this API nests more than a few levels, so a body nesting
deeper than :data:`MAX_JSON_DEPTH` is refused before anything parses it.
"""

from __future__ import annotations

import re

MAX_JSON_DEPTH = 64
"""Deepest nesting a request body may have: far above any payload of the API or of a provider."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Return whether ``text`` opens more than ``limit`` arrays or objects inside one another.

    Brackets inside JSON strings do not count. The scan is linear and never recurses, so it is safe
    on any input, including text that is not JSON at all (which the parser then refuses itself).
    """
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub("", text)):
        if bracket.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False
