"""The `q` of `GET /api/v2/logs`: a small subset of Auth0's Lucene-style log search syntax.

    type:gd_send_sms AND user_id:"auth0|x"
    type:(gd_send_sms OR gd_send_voice) NOT ip:10.0.0.1
    user_id:auth0\\|* date:[2026-01-01 TO 2026-01-02]

Terms are `field:value` (quoted, bare with `\\` escapes, a trailing or leading `*` wildcard, or a
parenthesised OR list); `AND`, `OR`, `NOT`/`-` and parentheses combine them; terms side by side mean
AND. The result is an SQL condition with parameters over the `events` table. Anything else is an
`invalid_query_string` error that names what was wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from phonemfa.errors import ValidationError

FIELDS = {
    "type": "type",
    "user_id": "user_id",
    "ip": "ip",
    "user_name": "user_name",
    "client_id": "client_id",
    "client_name": "client_name",
    "description": "description",
}
MAX_LENGTH = 1000
_SPECIAL = set('():"[]{}\\ \t')
_WANTED = {"word": "a field name", "colon": "':'", "rparen": "')'", "range": "a range"}


class InvalidQuery(ValidationError):
    code = "invalid_query_string"


@dataclass(frozen=True)
class Condition:
    sql: str
    params: tuple[object, ...]


@dataclass(frozen=True)
class _Token:
    kind: str  # word, quoted, range, op, lparen, rparen, colon, not
    text: str
    pos: int


def compile_query(q: str) -> Condition:
    """Parse `q` into an SQL condition; raises InvalidQuery with a message fit for a 400."""
    if len(q) > MAX_LENGTH:
        raise InvalidQuery(f"Invalid query string: longer than {MAX_LENGTH} characters.")
    if not q.strip():
        return Condition("1", ())
    parser = _Parser(_tokenize(q))
    condition = parser.parse_or()
    if not parser.done():
        raise InvalidQuery(
            f"Invalid query string: unexpected {parser.peek().text!r} at position "
            f"{parser.peek().pos + 1}."
        )
    return condition


def _tokenize(q: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(q):
        ch = q[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            tokens.append(_Token("lparen", ch, i))
            i += 1
        elif ch == ")":
            tokens.append(_Token("rparen", ch, i))
            i += 1
        elif ch == ":":
            tokens.append(_Token("colon", ch, i))
            i += 1
        elif ch == '"':
            end, text = _read_quoted(q, i)
            tokens.append(_Token("quoted", text, i))
            i = end
        elif ch in "[{":
            end = q.find("]" if ch == "[" else "}", i)
            if end < 0:
                raise InvalidQuery(f"Invalid query string: unclosed range at position {i + 1}.")
            tokens.append(_Token("range", q[i : end + 1], i))
            i = end + 1
        elif (
            ch == "-"
            and (i == 0 or q[i - 1].isspace() or q[i - 1] == "(")
            and not (tokens and tokens[-1].kind == "colon")
        ):
            tokens.append(_Token("not", ch, i))
            i += 1
        else:
            start = i
            chars = []
            while i < len(q):
                if q[i] == "\\" and i + 1 < len(q):
                    chars.append(q[i + 1])
                    i += 2
                    continue
                if q[i] in _SPECIAL:
                    break
                chars.append(q[i])
                i += 1
            word = "".join(chars)
            if not word:
                raise InvalidQuery(f"Invalid query string: unexpected {q[i]!r} at {i + 1}.")
            if word in ("AND", "OR", "&&", "||"):
                tokens.append(_Token("op", "AND" if word in ("AND", "&&") else "OR", start))
            elif word in ("NOT", "!"):
                tokens.append(_Token("not", word, start))
            else:
                tokens.append(_Token("word", word, start))
    return tokens


def _read_quoted(q: str, start: int) -> tuple[int, str]:
    i = start + 1
    chars = []
    while i < len(q):
        if q[i] == "\\" and i + 1 < len(q):
            chars.append(q[i + 1])
            i += 2
            continue
        if q[i] == '"':
            return i + 1, "".join(chars)
        chars.append(q[i])
        i += 1
    raise InvalidQuery(f"Invalid query string: unclosed quote at position {start + 1}.")


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def done(self) -> bool:
        return self.i >= len(self.tokens)

    def peek(self) -> _Token:
        if self.done():
            raise InvalidQuery("Invalid query string: it ends too early.")
        return self.tokens[self.i]

    def take(self, kind: str) -> _Token:
        token = self.peek()
        if token.kind != kind:
            raise InvalidQuery(
                f"Invalid query string: expected {_WANTED[kind]} but found {token.text!r} at "
                f"position {token.pos + 1}."
            )
        self.i += 1
        return token

    def parse_or(self) -> Condition:
        parts = [self.parse_and()]
        while not self.done() and self.peek().kind == "op" and self.peek().text == "OR":
            self.i += 1
            parts.append(self.parse_and())
        return _join(parts, "OR")

    def parse_and(self) -> Condition:
        parts = [self.parse_unary()]
        while not self.done():
            token = self.peek()
            if token.kind == "op" and token.text == "AND":
                self.i += 1
            elif token.kind not in ("word", "not", "lparen"):
                break
            parts.append(self.parse_unary())
        return _join(parts, "AND")

    def parse_unary(self) -> Condition:
        token = self.peek()
        if token.kind == "not":
            self.i += 1
            inner = self.parse_unary()
            # NULL columns (an event without an ip) count as "not matching", as in Lucene.
            return Condition(f"NOT COALESCE(({inner.sql}), 0)", inner.params)
        if token.kind == "lparen":
            self.i += 1
            inner = self.parse_or()
            self.take("rparen")
            return Condition(f"({inner.sql})", inner.params)
        return self.parse_term()

    def parse_term(self) -> Condition:
        name = self.take("word")
        field = name.text
        self.take("colon")
        if field == "date":
            return _date_condition(self.take("range").text if self._at("range") else self._value())
        if field not in FIELDS:
            known = ", ".join([*FIELDS, "date"])
            raise InvalidQuery(
                f"Invalid query string: unknown field {field!r} (searchable fields: {known})."
            )
        column = FIELDS[field]
        if self._at("lparen"):
            self.i += 1
            values = [self._value()]
            while not self._at("rparen"):
                if self._at("op") and self.peek().text == "OR":
                    self.i += 1
                values.append(self._value())
            self.take("rparen")
            return _join([_match(column, v) for v in values], "OR")
        return _match(column, self._value())

    def _at(self, kind: str) -> bool:
        return not self.done() and self.peek().kind == kind

    def _value(self) -> str:
        token = self.peek()
        if token.kind not in ("word", "quoted"):
            raise InvalidQuery(
                f"Invalid query string: expected a value at position {token.pos + 1}."
            )
        self.i += 1
        return token.text


def _join(parts: list[Condition], op: str) -> Condition:
    if len(parts) == 1:
        return parts[0]
    sql = f" {op} ".join(f"({p.sql})" for p in parts)
    return Condition(sql, tuple(p for part in parts for p in part.params))


def _match(column: str, value: str) -> Condition:
    if value == "*":
        return Condition(f"{column} IS NOT NULL", ())
    if "*" in value:
        pattern = (
            value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
        )
        return Condition(f"{column} LIKE ? ESCAPE '\\'", (pattern,))
    return Condition(f"{column} = ?", (value,))


_RANGE = re.compile(r"^([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])$")


def _date_condition(text: str) -> Condition:
    match = _RANGE.match(text)
    if not match:
        low = _parse_date(text)
        high = low + 86400 if len(text) == 10 else low + 0.001
        return Condition("ts >= ? AND ts < ?", (low, high))
    opening, low_text, high_text, closing = match.groups()
    clauses, params = [], []
    if low_text != "*":
        clauses.append("ts >= ?" if opening == "[" else "ts > ?")
        params.append(_parse_date(low_text))
    if high_text != "*":
        high = _parse_date(high_text)
        if len(high_text) == 10 and closing == "]":
            clauses.append("ts < ?")  # a whole day, inclusive
            params.append(high + 86400)
        else:
            clauses.append("ts <= ?" if closing == "]" else "ts < ?")
            params.append(high)
    return Condition(" AND ".join(clauses) or "1", tuple(params))


def _parse_date(text: str) -> float:
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    except (ValueError, OverflowError, OSError):
        raise InvalidQuery(
            f"Invalid query string: {text!r} is not a date (use 2026-01-31 or an ISO 8601 time)."
        ) from None
