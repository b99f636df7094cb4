"""Exact JavaScript semantics needed to re-run the guide's ``validate()`` in Python.

The public API guide ships a browser-side ``validate(fields, values)`` function. The server must
reject everything it rejects, so the pieces of ECMAScript it relies on are reproduced here:

* :func:`js_trim` -- ``String.prototype.trim`` (ECMAScript WhiteSpace + LineTerminator).
* :func:`js_to_number` -- ``Number(string)`` (StringToNumber).
* :func:`js_to_string` -- ``(x ?? "").toString()`` for JSON values.
* :func:`js_number_to_string` -- ``Number.prototype.toString()`` / template-string formatting.
* :func:`compile_js_regex` -- ``new RegExp(source)`` (no flags) translated to Python :mod:`re`.

JavaScript strings are sequences of UTF-16 code units and a flag-less ``RegExp`` matches code
units, so :class:`JsRegex` matches against the UTF-16 code-unit form of the subject (astral
characters become surrogate pairs) with a pattern translated the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

__all__ = [
    "JS_WHITESPACE",
    "JsRegex",
    "compile_js_regex",
    "js_number_to_string",
    "js_to_number",
    "js_to_string",
    "js_trim",
    "to_utf16_units",
]

#: ECMAScript WhiteSpace and LineTerminator code points (what ``trim()`` and ``\s`` use).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)

_LINE_TERMINATORS = "\n\r\u2028\u2029"


def js_trim(value: str) -> str:
    """Return ``value.trim()`` as JavaScript computes it.

    Unlike :meth:`str.strip`, this removes U+FEFF and keeps U+001C..U+001F and U+0085.
    """
    return value.strip(JS_WHITESPACE)


_DECIMAL_RE = re.compile(r"[+-]?(?:Infinity|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")
_NON_DECIMAL_RE = re.compile(r"0(?:[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")
_RADIX = {"x": 16, "o": 8, "b": 2}


def js_to_number(value: str) -> float:
    """Return ``Number(value)`` for a string, following ECMAScript StringToNumber.

    ``""`` (after trimming) is 0; ``Infinity`` may be signed; ``0x``/``0o``/``0b`` literals take
    no sign; anything else that is not a plain decimal literal is NaN. Python-only spellings such
    as ``"inf"``, ``"nan"``, ``"1_000"`` or non-ASCII digits are NaN, as in JavaScript.
    """
    text = js_trim(value)
    if not text:
        return 0.0
    if _DECIMAL_RE.fullmatch(text):
        if text.endswith("Infinity"):
            return -math.inf if text.startswith("-") else math.inf
        return float(text)
    if _NON_DECIMAL_RE.fullmatch(text):
        integer = int(text[2:], _RADIX[text[1].lower()])
        try:
            return float(integer)
        except OverflowError:
            return math.inf
    return math.nan


def js_number_to_string(value: float) -> str:
    """Format a number the way JavaScript's ``Number.prototype.toString()`` does.

    Integers print without a fraction, ``-0`` prints as ``"0"``, exponents switch in at 1e21
    and below 1e-6 (``"1e+21"``, ``"1e-7"``).
    """
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr() yields the shortest round-tripping digits, which is what ECMAScript requires.
    mantissa, _, exp_text = repr(abs(number)).partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = int_part + frac_part
    point = len(int_part) + (int(exp_text) if exp_text else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        body = digits + "0" * (point - k)
    elif 0 < point <= 21:
        body = digits[:point] + "." + digits[point:]
    elif -6 < point <= 0:
        body = "0." + "0" * (-point) + digits
    else:
        exponent = point - 1
        exp_str = f"e+{exponent}" if exponent >= 0 else f"e-{-exponent}"
        body = (digits[0] + ("." + digits[1:] if k > 1 else "")) + exp_str
    return sign + body


def _element_to_string(value: object) -> str:
    if value is None:
        return ""
    return js_to_string(value)


def js_to_string(value: object) -> str:
    """Return ``(value ?? "").toString()`` for a JSON value as JavaScript would.

    ``None`` gives ``""``, booleans ``"true"``/``"false"``, numbers use
    :func:`js_number_to_string` (integers are first rounded to a double, as ``JSON.parse``
    does), lists join their elements with commas (``null`` elements are empty) and objects give
    ``"[object Object]"``.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        try:
            return js_number_to_string(float(value))
        except OverflowError:
            return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, float):
        return js_number_to_string(value)
    if isinstance(value, list | tuple):
        return ",".join(_element_to_string(item) for item in value)
    if isinstance(value, dict):
        return "[object Object]"
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def to_utf16_units(value: str) -> str:
    """Return ``value`` with every astral character replaced by its UTF-16 surrogate pair.

    Python's :mod:`re` then sees the same sequence of code units as a JavaScript ``RegExp``.
    """
    if value.isascii() or all(ord(ch) < 0x10000 for ch in value):
        return value
    out: list[str] = []
    for ch in value:
        code = ord(ch)
        if code < 0x10000:
            out.append(ch)
        else:
            code -= 0x10000
            out.append(chr(0xD800 + (code >> 10)))
            out.append(chr(0xDC00 + (code & 0x3FF)))
    return "".join(out)


# --------------------------------------------------------------------------- regex translation

#: Largest ``{n,m}`` bound accepted in a pattern (JavaScript allows more; we refuse it).
MAX_QUANTIFIER = 1000
#: Deepest group nesting accepted.
MAX_GROUP_DEPTH = 32
#: Longest pattern source accepted (in UTF-16 code units).
MAX_PATTERN_LENGTH = 1000
MATCH_TIMEOUT_SECONDS = 0.05

_DOT = "[^" + "".join(f"\\u{ord(c):04x}" for c in _LINE_TERMINATORS) + "]"
_GROUP_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_QUANT_RE = re.compile(r"\{([0-9]+)(?:(,)([0-9]*))?\}")
_CONTROL_ESCAPES = {"n": 0x0A, "r": 0x0D, "t": 0x09, "v": 0x0B, "f": 0x0C}
_HEX = "0123456789abcdefABCDEF"


def _lit(code: int) -> str:
    """A Python-regex literal for one code unit, safe inside and outside classes."""
    ch = chr(code)
    if ch.isascii() and ch.isalnum():
        return ch
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _ranges_to_class_body(ranges: list[tuple[int, int]]) -> str:
    return "".join(_lit(lo) if lo == hi else f"{_lit(lo)}-{_lit(hi)}" for lo, hi in ranges)


def _complement(codes: list[int]) -> list[tuple[int, int]]:
    result: list[tuple[int, int]] = []
    start = 0
    for code in sorted(codes):
        if code > start:
            result.append((start, code - 1))
        start = code + 1
    if start <= 0xFFFF:
        result.append((start, 0xFFFF))
    return result


_WS_CODES = [ord(c) for c in JS_WHITESPACE]
_WS_BODY = _ranges_to_class_body([(c, c) for c in sorted(_WS_CODES)])
_NON_WS_BODY = _ranges_to_class_body(_complement(_WS_CODES))
# Bodies usable inside a Python character class (re.ASCII makes \d and \w ASCII-only, as in JS).
_CLASS_ESCAPE_BODY = {
    "d": r"\d",
    "D": r"\D",
    "w": r"\w",
    "W": r"\W",
    "s": _WS_BODY,
    "S": _NON_WS_BODY,
}


@dataclass(frozen=True)
class JsRegex:
    """A flag-less JavaScript regular expression translated to Python.

    ``source`` is the JavaScript source, ``python_pattern`` the translation (compiled with
    :data:`re.ASCII`). :meth:`test` has ``RegExp.prototype.test`` semantics (unanchored search).
    """

    source: str
    python_pattern: str
    compiled: re.Pattern[str]
    guarded: Any = None
    """The same pattern compiled by the ``regex`` module, whose matching can time out."""

    def test(self, value: str, *, timeout: float | None = MATCH_TIMEOUT_SECONDS) -> bool:
        """Return what ``new RegExp(source).test(value)`` returns in JavaScript.

        Owner-defined patterns can backtrack catastrophically (``^(a+)+$``) on a crafted
        public submission; matching runs in the ``regex`` module (which releases the GIL) and
        raises :class:`PatternTimeout` after ``timeout`` seconds instead of freezing a worker.
        """
        try:
            return self.guarded.search(to_utf16_units(value), timeout=timeout) is not None
        except TimeoutError as exc:
            raise PatternTimeout(self.source) from exc


class PatternTimeout(ValueError):
    """Matching a value against a pattern took longer than allowed."""


class _Parser:
    """Recursive-descent parser for a conservative, unambiguous subset of JS regex syntax.

    Everything it accepts is a valid flag-less JavaScript pattern with the same meaning after
    translation; anything else raises :class:`ValueError`.
    """

    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.group_count = 0
        self.depth = 0
        self.total_groups, self.group_names = self._prescan()
        # capture index -> (closed, inside a quantifier, inside a lookaround)
        self.groups: dict[int, tuple[bool, bool, bool]] = {}
        self.names: dict[str, int] = {}

    def fail(self, reason: str, at: int | None = None) -> ValueError:
        where = self.pos if at is None else at
        return ValueError(f"invalid or unsupported pattern at position {where}: {reason}")

    def _prescan(self) -> tuple[int, set[str]]:
        """Count capturing groups and collect group names (needed for backreferences)."""
        src, i, count, in_class = self.src, 0, 0, False
        names: set[str] = set()
        while i < len(src):
            ch = src[i]
            if ch == "\\":
                i += 2
                continue
            if in_class:
                in_class = ch != "]"
            elif ch == "[":
                in_class = True
            elif ch == "(":
                if not src.startswith("?", i + 1):
                    count += 1
                elif src.startswith("?<", i + 1) and src[i + 3 : i + 4] not in ("=", "!"):
                    count += 1
                    end = src.find(">", i + 3)
                    if end != -1:
                        names.add(src[i + 3 : end])
            i += 1
        return count, names

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.src[index] if index < len(self.src) else ""

    # Grammar: disjunction := alternative ("|" alternative)* ; alternative := term*
    def parse_disjunction(self, quantified: bool, look: bool, behind: bool) -> str:
        parts = [self.parse_alternative(quantified, look, behind)]
        while self.peek() == "|":
            self.pos += 1
            parts.append(self.parse_alternative(quantified, look, behind))
        return "|".join(parts)

    def parse_alternative(self, quantified: bool, look: bool, behind: bool) -> str:
        out: list[str] = []
        while self.peek() not in ("", "|", ")"):
            out.append(self.parse_term(quantified, look, behind))
        return "".join(out)

    def parse_term(self, quantified: bool, look: bool, behind: bool) -> str:
        ch = self.peek()
        if ch in "*+?{":
            raise self.fail("nothing to repeat")
        if ch == "^":
            self.pos += 1
            return self._no_quantifier(r"\A")
        if ch == "$":
            self.pos += 1
            return self._no_quantifier(r"\Z")
        if ch == "(":
            is_quantified = self._group_is_quantified()
            return self.parse_group(quantified or is_quantified, look, behind)
        if ch == "\\" and self.peek(1) in ("b", "B"):
            kind = self.peek(1)
            self.pos += 2
            # Python's \B never matches in an empty string; JavaScript's does.
            return self._no_quantifier(r"\b" if kind == "b" else r"(?:\B|\A\Z)")
        if ch == "\\":
            atom = self.parse_atom_escape(look, behind)
        elif ch == "[":
            atom = self.parse_class()
        elif ch == ".":
            self.pos += 1
            atom = _DOT
        else:
            self.pos += 1
            atom = _lit(ord(ch))
        return atom + self.parse_quantifier()

    def _no_quantifier(self, text: str) -> str:
        if self.peek() and self.peek() in "*+?{":
            raise self.fail("an assertion cannot be repeated")
        return text

    def parse_quantifier(self) -> str:
        ch = self.peek()
        if ch in ("*", "+", "?"):
            self.pos += 1
            text = ch
        elif ch == "{":
            match = _QUANT_RE.match(self.src, self.pos)
            if match is None:
                raise self.fail("a literal '{' must be escaped as '\\{'")
            low = int(match.group(1))
            high = (
                low if match.group(2) is None else (int(match.group(3)) if match.group(3) else None)
            )
            if low > MAX_QUANTIFIER or (high is not None and high > MAX_QUANTIFIER):
                raise self.fail(f"repetition counts above {MAX_QUANTIFIER} are not supported")
            if high is not None and high < low:
                raise self.fail("numbers out of order in {} quantifier")
            self.pos = match.end()
            text = f"{{{low}}}" if high == low else f"{{{low},{'' if high is None else high}}}"
        else:
            return ""
        if self.peek() == "?":
            self.pos += 1
            text += "?"
        if self.peek() and self.peek() in "*+?{":
            raise self.fail("nothing to repeat")
        return text

    def _group_is_quantified(self) -> bool:
        """Look past the group starting at ``pos`` and report whether a quantifier follows."""
        depth, i, in_class, src = 0, self.pos, False, self.src
        while i < len(src):
            ch = src[i]
            if ch == "\\":
                i += 2
                continue
            if in_class:
                in_class = ch != "]"
            elif ch == "[":
                in_class = True
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
                if depth == 0:
                    return src[i + 1 : i + 2] in ("*", "+", "?", "{")
            i += 1
        return False

    def parse_group(self, quantified: bool, look: bool, behind: bool) -> str:
        open_at = self.pos
        self.depth += 1
        if self.depth > MAX_GROUP_DEPTH:
            raise self.fail(f"groups nested deeper than {MAX_GROUP_DEPTH} are not supported")
        self.pos += 1
        index: int | None = None
        lookaround = False
        if self.peek() != "?":
            self.group_count += 1
            index = self.group_count
            opener = "("
        else:
            rest = self.src[self.pos : self.pos + 3]
            if rest.startswith("?:"):
                opener, skip = "(?:", 2
            elif rest.startswith(("?=", "?!")):
                opener, skip, lookaround = "(" + rest[:2], 2, True
            elif rest in ("?<=", "?<!"):
                opener, skip, lookaround, behind = "(" + rest, 3, True, True
            elif rest.startswith("?<"):
                end = self.src.find(">", self.pos + 2)
                name = self.src[self.pos + 2 : end] if end != -1 else ""
                if not _GROUP_NAME_RE.fullmatch(name):
                    raise self.fail("group names must match [A-Za-z_][A-Za-z0-9_]*")
                if name in self.names:
                    raise self.fail(f"duplicate group name {name!r}")
                self.group_count += 1
                index = self.group_count
                self.names[name] = index
                opener, skip = f"(?P<{name}>", end - self.pos + 1
            else:
                raise self.fail("unsupported group syntax '(?'")
            self.pos += skip
        if index is not None:
            self.groups[index] = (False, quantified, look)
        body = self.parse_disjunction(quantified, look or lookaround, behind)
        if self.peek() != ")":
            raise self.fail("unterminated group", open_at)
        self.pos += 1
        self.depth -= 1
        if index is not None:
            self.groups[index] = (True, quantified, look)
        text = opener + body + ")"
        if lookaround:
            return self._no_quantifier(text)
        return text + self.parse_quantifier()

    def parse_atom_escape(self, look: bool, behind: bool) -> str:
        start = self.pos
        ch = self.peek(1)
        if ch == "":
            raise self.fail("\\ at end of pattern")
        if ch in _CLASS_ESCAPE_BODY:
            self.pos += 2
            return "[" + _CLASS_ESCAPE_BODY[ch] + "]"
        if ch in "123456789":
            end = self.pos + 1
            while end < len(self.src) and self.src[end].isdigit() and self.src[end].isascii():
                end += 1
            number = int(self.src[self.pos + 1 : end])
            if number > self.total_groups:
                raise self.fail("octal escapes and references to missing groups are refused")
            self.pos = end
            return self._backref(number, str(number), start, behind)
        if ch == "k":
            if not self.group_names:
                raise self.fail("'\\k' is only allowed as a named backreference \\k<name>")
            end = self.src.find(">", self.pos + 3) if self.peek(2) == "<" else -1
            name = self.src[self.pos + 3 : end] if end != -1 else ""
            if name not in self.group_names:
                raise self.fail("invalid named reference")
            self.pos = end + 1
            return self._backref(self.names.get(name, -1), name, start, behind, named=True)
        return _lit(self.parse_character_escape())

    def _backref(self, index: int, ref: str, at: int, behind: bool, named: bool = False) -> str:
        info = self.groups.get(index)
        if info is None or not info[0]:
            raise self.fail("backreferences must follow the group they refer to", at)
        if info[1] or info[2] or behind:
            raise self.fail(
                "backreferences to groups inside a repeated group or a lookaround, or from a "
                "lookbehind, are not supported",
                at,
            )
        target = f"(?P={ref})" if named else f"\\{ref}"
        return f"(?({ref}){target})" + self.parse_quantifier()

    def parse_character_escape(self) -> int:
        """Parse an escape denoting a single code unit (``pos`` is at the backslash)."""
        ch = self.peek(1)
        if ch in _CONTROL_ESCAPES:
            self.pos += 2
            return _CONTROL_ESCAPES[ch]
        if ch == "0":
            if self.peek(2).isdigit():
                raise self.fail("legacy octal escapes are not supported")
            self.pos += 2
            return 0
        if ch in ("x", "u"):
            width = 2 if ch == "x" else 4
            digits = self.src[self.pos + 2 : self.pos + 2 + width]
            if len(digits) != width or any(d not in _HEX for d in digits):
                raise self.fail(f"incomplete \\{ch} escape")
            self.pos += 2 + width
            return int(digits, 16)
        if ch == "c":
            letter = self.peek(2)
            if not (letter.isascii() and letter.isalpha()):
                raise self.fail("\\c must be followed by a letter")
            self.pos += 3
            return ord(letter) % 32
        if ch == "" or (ch.isascii() and ch.isalnum()):
            raise self.fail(f"unsupported escape '\\{ch}'")
        self.pos += 2
        return ord(ch)

    def parse_class(self) -> str:
        open_at = self.pos
        self.pos += 1
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        members: list[str] = []
        while self.peek() != "]":
            if self.peek() == "":
                raise self.fail("unterminated character class", open_at)
            low = self.parse_class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", ""):
                self.pos += 1
                high = self.parse_class_atom()
                if isinstance(low, str) or isinstance(high, str):
                    raise self.fail("a class escape cannot bound a range")
                if low > high:
                    raise self.fail("range out of order in character class")
                members.append(f"{_lit(low)}-{_lit(high)}")
            else:
                members.append(_CLASS_ESCAPE_BODY[low] if isinstance(low, str) else _lit(low))
        self.pos += 1
        if not members:
            return r"[\x00-\uffff]" if negated else "(?!)"
        return "[" + ("^" if negated else "") + "".join(members) + "]"

    def parse_class_atom(self) -> int | str:
        """Return a code unit, or a class-escape letter (``d``, ``s``, ...)."""
        ch = self.peek()
        if ch != "\\":
            self.pos += 1
            return ord(ch)
        nxt = self.peek(1)
        if nxt in _CLASS_ESCAPE_BODY:
            self.pos += 2
            return nxt
        if nxt == "b":
            self.pos += 2
            return 0x08
        if nxt == "-":
            self.pos += 2
            return 0x2D
        return self.parse_character_escape()


@lru_cache(maxsize=512)
def compile_js_regex(pattern: str) -> JsRegex:
    """Translate the JavaScript pattern ``pattern`` (as for ``new RegExp(pattern)``) to Python.

    Supported: literals, ``.``, ``^``/``$`` (whole-input anchors), ``\\d \\D \\w \\W \\s \\S``
    with JavaScript's ASCII/whitespace sets, ``\\b \\B``, classes and ranges, groups
    ``( )``, ``(?: )``, ``(?<name> )``, lookarounds, greedy and lazy quantifiers, character
    escapes (``\\n \\t \\xHH \\uHHHH \\cX \\0`` and escaped punctuation), and backreferences
    ``\\1`` / ``\\k<name>`` to an earlier group outside any repeated group or lookaround.

    Raises :class:`ValueError` for invalid JavaScript syntax and for constructs that Python
    would read differently or that JavaScript reads in a legacy way (Python-only ``(?P``,
    inline flags, ``\\A``/``\\Z``-style letter escapes, possessive quantifiers, octal escapes,
    unescaped ``{``, class escapes used as range bounds, counts above 1000, variable-width
    lookbehind).
    """
    units = to_utf16_units(pattern)
    if len(units) > MAX_PATTERN_LENGTH:
        raise ValueError(f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
    parser = _Parser(units)
    translated = parser.parse_disjunction(quantified=False, look=False, behind=False)
    if parser.peek() == ")":
        raise parser.fail("unmatched ')'")
    try:
        compiled = re.compile(translated, re.ASCII)
    except (re.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"pattern is not supported: {exc}") from None
    try:
        guarded = regex.compile(translated, regex.ASCII | regex.VERSION0)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise ValueError(f"pattern is not supported: {exc}") from None
    return JsRegex(source=pattern, python_pattern=translated, compiled=compiled, guarded=guarded)
