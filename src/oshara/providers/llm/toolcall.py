"""Tool calling for local models: one grammar decides between replying and calling a tool.

llama.cpp's own function-calling emulation is unreliable with small models (tool JSON lands in
``content``, ``tool_choice="auto"`` breaks), so local models get constrained decoding instead:

* The prompt is rendered with the model's own chat template. Templates that know tools (Qwen
  2.5) render them natively; for the others the same Hermes-style block (``<tools>…</tools>``,
  ``<tool_call>…</tool_call>``, ``<tool_response>…</tool_response>``) is written into the
  messages, so every model sees one format.
* Generation runs under one GBNF grammar::

      root  ::= call | reply
      call  ::= "<tool_call>" name-and-arguments-of-one-offered-tool "</tool_call>"
      reply ::= speakable text, never starting with "<", no markdown characters

  The first token therefore decides: reply (streamed to TTS token by token) or call one of the
  offered tools, whose arguments are generated under that tool's ``input_schema`` converted to
  GBNF (required fields, enums, no extra properties, nested objects). Arguments are validated
  against the schema once more after decoding, for the keywords a grammar cannot express.
* ``tool_choice`` is honoured: ``"none"`` leaves only ``reply``, ``"required"`` only ``call``, a
  named function only that function.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from llama_cpp.llama_grammar import SchemaConverter

log = logging.getLogger(__name__)

TOOL_OPEN = "<tool_call>"
TOOL_CLOSE = "</tool_call>"

# Characters a spoken reply never needs: markdown emphasis, headings, code, tables, links,
# braces, and "<" (which would start a tool call). Newlines too: one spoken paragraph.
REPLY_FORBIDDEN = "<>*#`|_~[]{}\\\n\r\t"

_TOOLS_HEADER = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
_TOOLS_FOOTER = (
    "\n</tools>\n\nFor each function call, return a json object with function name and "
    "arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)


@dataclass(frozen=True)
class Tool:
    """One offered function, in the shape the grammar and the prompt need."""

    name: str
    description: str
    parameters: dict[str, Any]

    def as_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


def normalise_parameters(schema: Any) -> dict[str, Any]:
    """A tool's argument schema as an object schema (no schema → no arguments)."""
    if not isinstance(schema, Mapping) or not schema:
        return {"type": "object", "properties": {}}
    out = dict(schema)
    # An object without declared properties: the grammar would allow any JSON object. For a
    # spoken agent that means "no arguments", unless extra properties are explicitly allowed.
    if (
        out.get("type", "object") == "object"
        and "properties" not in out
        and out.get("additionalProperties") in (None, False)
    ):
        out["properties"] = {}
    return out


def offered_tools(tools: Any) -> list[Tool]:
    """OpenAI-format ``tools`` (or anything falsy / ``NOT_GIVEN``) → :class:`Tool` list."""
    if not isinstance(tools, Sequence) or isinstance(tools, (str, bytes)):
        return []
    out: list[Tool] = []
    for item in tools:
        if not isinstance(item, Mapping):
            continue
        fn = item.get("function", item)
        if not isinstance(fn, Mapping) or not isinstance(fn.get("name"), str):
            continue
        out.append(
            Tool(
                name=fn["name"],
                description=str(fn.get("description") or ""),
                parameters=normalise_parameters(fn.get("parameters")),
            )
        )
    return out


def called_this_turn(messages: Sequence[Mapping[str, Any]]) -> set[str]:
    """Tools already called since the user last spoke.

    Small models tend to call the same tool again right after its result arrives; offering
    only the tools not yet used in this turn makes that loop impossible while still allowing
    a chain of different tools (look up, then create).
    """
    names: set[str] = set()
    for message in reversed(messages):
        role = message.get("role")
        if role in ("user", "developer"):
            break
        if role == "assistant":
            for call in message.get("tool_calls") or []:
                fn = call.get("function") if isinstance(call, Mapping) else None
                if isinstance(fn, Mapping) and isinstance(fn.get("name"), str):
                    names.add(fn["name"])
    return names


# ----------------------------------------------------------------------------- grammar


def _literal(text: str) -> str:
    """A GBNF string literal."""
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'


def _char_class_excluding(chars: str) -> str:
    escaped = "".join(
        {"\\": "\\\\", "]": "\\]", "[": "\\[", "^": "\\^", "-": "\\-"}.get(c, c)
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        for c in chars
    )
    return f"[^{escaped}]"


def reply_rule() -> str:
    free = _char_class_excluding(REPLY_FORBIDDEN)
    first = _char_class_excluding(REPLY_FORBIDDEN + " ")
    return f"{first} {free}*"


ARGUMENTS = "arguments"
"""A grammar choice of our own: the arguments of the one tool given (and the call's close),
for a prompt that already ends with the call's opening and the tool's name
(:func:`arguments_head`)."""


ARGUMENTS_TAIL = '", "arguments":'
"""What follows a call's function name, up to its arguments."""


def arguments_head(name: str) -> str:
    """A call's text up to its arguments: what a prompt for the :data:`ARGUMENTS` grammar ends
    with."""
    return f'{TOOL_OPEN}\n{{"name": "{json.dumps(name)[1:-1]}{ARGUMENTS_TAIL}'


def select_tools(tools: list[Tool], tool_choice: Any) -> tuple[list[Tool], bool]:
    """Which tools the grammar may call, and whether a plain reply is allowed."""
    if tool_choice == "none" or not tools:
        return [], True
    if tool_choice in ("required", ARGUMENTS):
        return tools, False
    if isinstance(tool_choice, Mapping):
        fn = tool_choice.get("function")
        name = fn.get("name") if isinstance(fn, Mapping) else None
        chosen = [t for t in tools if t.name == name]
        if chosen:
            return chosen, False
    return tools, True


MAX_STRING = 200
"""Longest string argument the grammar lets a model write when the schema sets no
``maxLength``: values said on a call are short, and a small model that starts rambling inside
a string must still close the call within the token budget."""
MAX_ITEMS = 10
"""Likewise for arrays without ``maxItems``."""


def bounded(schema: Any) -> Any:
    """A copy of ``schema`` ready for the grammar converter.

    Free strings and arrays get default length bounds. ``pattern`` is dropped: the converter
    mistranslates common regex escapes (``\\d``) into grammars llama.cpp cannot parse, and the
    pattern is still enforced by the ``jsonschema`` check after decoding.
    """
    if isinstance(schema, list):
        return [bounded(item) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    out = {
        key: bounded(value)
        for key, value in schema.items()
        if not (key == "pattern" and isinstance(value, str))  # keeps a *property* named pattern
    }
    free = not any(k in out for k in ("enum", "const", "format", "$ref"))
    if out.get("type") == "string" and free and "maxLength" not in out:
        out["maxLength"] = max(MAX_STRING, int(out.get("minLength") or 0))
    if out.get("type") == "array" and "maxItems" not in out:
        out["maxItems"] = max(MAX_ITEMS, int(out.get("minItems") or 0))
    return out


def loosened(tools: list[Tool]) -> list[Tool]:
    """The same tools with arguments as any JSON object: the fallback when a schema's grammar
    does not parse (arguments are then only checked after decoding)."""
    loose = {"type": "object", "additionalProperties": True}
    return [Tool(t.name, t.description, loose) for t in tools]


def build_grammar(tools: list[Tool], tool_choice: Any = "auto") -> str:
    """GBNF for one assistant turn: a speakable reply or exactly one schema-valid tool call
    (with :data:`ARGUMENTS`: the rest of a call of ``tools[0]`` after its name)."""
    if tool_choice == ARGUMENTS:
        tools = tools[:1]
    callable_tools, allow_reply = select_tools(tools, tool_choice)
    converter: Any = SchemaConverter(  # type: ignore[no-untyped-call]
        prop_order={}, allow_fetch=False, dotall=False, raw_pattern=False
    )
    calls: list[str] = []
    for i, tool in enumerate(callable_tools):
        schema = converter.resolve_refs(bounded(tool.parameters), f"tool{i}")
        rule = converter.visit(schema, f"tool{i}-args")
        if tool_choice == ARGUMENTS:
            calls.append(f'" "? {rule}')  # the model's own " {" token
            continue
        head = _literal(f'"{json.dumps(tool.name)[1:-1]}", "arguments": ')
        calls.append(f"{head} {rule}")
    rules: list[str] = []
    alternatives: list[str] = []
    if calls:
        alternatives.append("call")
        opening = "" if tool_choice == ARGUMENTS else _literal(TOOL_OPEN + '\n{"name": ')
        rules.append(
            "call ::= " + opening + " ( " + " | ".join(calls) + " ) " + _literal("}\n" + TOOL_CLOSE)
        )
    if allow_reply:
        alternatives.append("reply")
        rules.append(f"reply ::= {reply_rule()}")
    rules.insert(0, "root ::= " + " | ".join(alternatives))
    schema_rules = str(converter.format_grammar())
    # llama-cpp-python's string rule lets raw control characters into JSON strings (invalid
    # JSON: a model that "types" a newline inside a value breaks the call). Escapes only.
    schema_rules = schema_rules.replace(_LOOSE_CHAR, _STRICT_CHAR)
    return "\n".join(rules) + "\n" + schema_rules


_LOOSE_CHAR = 'char ::= [^"\\\\] |'
_STRICT_CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F] |'


class GrammarCache:
    """Compiled grammars by (tools, choice): characters reuse the same tool set every turn.

    ``verify`` is llama.cpp's own parser (see :meth:`SharedLlama.grammar_ok`): an invalid
    grammar must never reach the sampler, where llama-cpp-python crashes the process on it.
    A grammar that does not parse is rebuilt with loosened argument schemas.
    """

    def __init__(self, size: int = 64, verify: Callable[[str], bool] | None = None) -> None:
        self._size = size
        self._items: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._verify = verify

    def get(self, tools: list[Tool], tool_choice: Any) -> Any:
        from llama_cpp.llama_grammar import LlamaGrammar

        key = json.dumps(
            [[t.name, t.parameters] for t in tools] + [tool_choice if tools else None],
            sort_keys=True,
            default=str,
        )
        with self._lock:
            grammar = self._items.get(key)
            if grammar is None:
                text = build_grammar(tools, tool_choice)
                if self._verify is not None and not self._verify(text):
                    log.warning(
                        "tool schemas of %s give a grammar llama.cpp rejects; "
                        "their arguments are checked after decoding only",
                        ", ".join(t.name for t in tools),
                    )
                    text = build_grammar(loosened(tools), tool_choice)
                    if not self._verify(text):
                        text = build_grammar([], "none")
                grammar = LlamaGrammar.from_string(text, verbose=False)
                if len(self._items) >= self._size:
                    self._items.pop(next(iter(self._items)))
                self._items[key] = grammar
            return grammar


RESPOND = Tool(
    "respond_directly",
    "Answer the user yourself, without any other tool: greetings, small talk, thanks, asking "
    "for a missing detail, or declining a request.",
    {"type": "object", "properties": {}},
)
"""The decision step's "no tool" option. Listed with the offered tools in the prompt, never
callable: its probability as a call's name is the probability of replying in words."""


def with_respond(tools: list[Tool]) -> list[Tool]:
    """``tools`` plus :data:`RESPOND` (unless a tool already has its name)."""
    if any(t.name == RESPOND.name for t in tools):
        return tools
    return [*tools, RESPOND]


# ----------------------------------------------------------------------------- prompt


def _arguments_object(arguments: Any) -> Any:
    if isinstance(arguments, str):
        try:
            return json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return {}
    return arguments if arguments is not None else {}


def _text(content: Any) -> str:
    """Message content as text (OpenAI content parts are joined)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return str(content)


def tools_block(tools: list[Tool]) -> str:
    lines = "".join("\n" + json.dumps(t.as_openai(), ensure_ascii=False) for t in tools)
    return _TOOLS_HEADER + lines + _TOOLS_FOOTER


def call_text(name: str, arguments: Any) -> str:
    body = json.dumps({"name": name, "arguments": _arguments_object(arguments)}, ensure_ascii=False)
    return f"{TOOL_OPEN}\n{body}\n{TOOL_CLOSE}"


def prepare_messages(
    messages: Sequence[Mapping[str, Any]], tools: list[Tool], *, native_tools: bool
) -> list[dict[str, Any]]:
    """Messages ready for the model's template.

    With ``native_tools`` the template renders tools, tool calls and tool results itself (tool
    call arguments must be objects, not the OpenAI JSON strings). Otherwise everything is
    written as text in the Hermes format Qwen uses natively.
    """
    out: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "developer":
            role = "user"
        if role == "assistant" and message.get("tool_calls"):
            calls = [c.get("function", {}) for c in message["tool_calls"]]
            if native_tools:
                out.append(
                    {
                        "role": "assistant",
                        "content": _text(message.get("content")) or None,
                        "tool_calls": [
                            {
                                "type": "function",
                                "function": {
                                    "name": c.get("name", ""),
                                    "arguments": _arguments_object(c.get("arguments")),
                                },
                            }
                            for c in calls
                        ],
                    }
                )
            else:
                text = "\n".join(call_text(c.get("name", ""), c.get("arguments")) for c in calls)
                prefix = _text(message.get("content"))
                out.append(
                    {"role": "assistant", "content": f"{prefix}\n{text}" if prefix else text}
                )
        elif role == "tool":
            content = _text(message.get("content"))
            if native_tools:
                out.append({"role": "tool", "content": content})
            else:
                out.append(
                    {"role": "user", "content": f"<tool_response>\n{content}\n</tool_response>"}
                )
        elif role in ("system", "user", "assistant"):
            out.append({"role": role, "content": _text(message.get("content"))})
    if tools and not native_tools:
        block = tools_block(tools)
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": f"{out[0]['content']}\n\n{block}"}
        else:
            out.insert(0, {"role": "system", "content": block})
    return out


# ----------------------------------------------------------------------------- decoding


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any]
    valid: bool
    error: str | None = None


_CALL_RE = re.compile(re.escape(TOOL_OPEN) + r"\s*(\{.*\})\s*" + re.escape(TOOL_CLOSE), re.S)


def parse_call(text: str, tools: list[Tool]) -> ToolCall | None:
    """The tool call in a finished generation (``None`` for a plain reply)."""
    match = _CALL_RE.search(text)
    if match is None:
        return None
    try:
        payload = json.loads(match.group(1))
    except json.JSONDecodeError as exc:
        return ToolCall(name="", arguments={}, valid=False, error=f"invalid JSON: {exc.msg}")
    name = payload.get("name") if isinstance(payload, dict) else None
    arguments = payload.get("arguments") if isinstance(payload, dict) else None
    if not isinstance(name, str) or not isinstance(arguments, dict):
        return ToolCall(name=str(name or ""), arguments={}, valid=False, error="bad call shape")
    tool = next((t for t in tools if t.name == name), None)
    if tool is None:
        return ToolCall(name=name, arguments=arguments, valid=False, error="unknown tool")
    required = set(tool.parameters.get("required") or [])
    # An optional field written as "" means "not given" (a small model fills every field).
    arguments = {k: v for k, v in arguments.items() if k in required or v != ""}
    error = schema_error(tool.parameters, arguments)
    return ToolCall(name=name, arguments=arguments, valid=error is None, error=error)


def schema_error(schema: Mapping[str, Any], arguments: Any) -> str | None:
    try:
        jsonschema.validate(arguments, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "arguments"
        return f"{where}: {exc.message}"
    except jsonschema.SchemaError:
        return None  # the character's schema was checked when it was saved
    return None


_GROUNDED_NAME = re.compile(r"(^|_)(id|number|no|code|email|phone|reference|ref)$", re.I)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-(\d{2})")
_RELATIVE_DAY = re.compile(
    r"\b(today|tonight|tomorrow|weekend|next week|this week|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)\b"
)
_DAY_WORDS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_CARDINALS = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]


def _date_heard(value: str, heard: str, numbers: set[int]) -> bool:
    """Did the caller say anything that names this date's day? A model asked "a table for
    4?" with no date fills in today's; the day of the month (digits or words: "4th",
    "fourth", "twenty-first") or a relative day ("tomorrow", "Friday") must have been said.
    ``numbers``: the whole numbers in ``heard``."""
    match = _ISO_DATE.match(value)
    if match is None:
        return True
    if _RELATIVE_DAY.search(heard) or value in heard:
        return True
    day = int(match.group(1))
    if day in numbers:
        return True
    words: list[str] = []
    if 1 <= day <= 20:
        words += [_DAY_WORDS[day - 1], _CARDINALS[day - 1]]
    elif day == 30:
        words += ["thirtieth", "thirty"]
    elif day > 20:
        tens, unit = ("twenty" if day < 30 else "thirty"), day % 10
        words += [f"{tens}[- ]?{_DAY_WORDS[unit - 1]}", f"{tens}[- ]?{_CARDINALS[unit - 1]}"]
    return any(re.search(rf"\b{w}\b", heard) for w in words)


_STOPWORDS = frozenset(
    {
        *("about", "after", "again", "also", "been", "being", "could", "does", "doing", "from"),
        *("have", "having", "here", "into", "just", "like", "make", "more", "need", "please"),
        *("some", "that", "their", "them", "then", "there", "these", "they", "this", "want"),
        *("what", "when", "where", "which", "while", "with", "would", "your", "yours", "will"),
        *("open", "create", "ticket", "tickets", "issue", "problem", "request", "help"),
    }
)


_SEARCH_NAME = re.compile(r"^(q|query|search|search_query|question|topic|keywords?|terms?)$", re.I)
"""Search strings are the model's own wording of the question: not judged. Requiring a word
in common (even four letters of one) dropped "return policy" for "How long does a refund take
after I send something back?", and the model then answered from its own head."""


def _number_heard(value: int, heard: str, numbers: set[int]) -> bool:
    """Was this whole number said, in digits (``numbers``, those in ``heard``) or (up to
    twenty) in words?"""
    if value in numbers:
        return True
    words = {
        1: ["one", "a single", "alone", "just me", "myself"],
        2: ["two", "couple", "both", r"(my|our) \w+ and (i|me)", r"me and (my )?\w+"],
    }
    names = list(words.get(value, []))
    if 1 <= value <= 20:
        names.append(_CARDINALS[value - 1])
    return any(re.search(rf"\b{w}\b", heard) for w in names)


def _shares_a_word(value: str, heard: str) -> bool:
    """Does free text share a content word (its first five letters) with what was said?
    Asked "I want to open a ticket", a model invents ``subject: "My router is not working"``;
    a subject or a search written from the caller's words shares at least one of them."""

    def stems(text: str) -> set[str]:
        return {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOPWORDS}

    said = stems(value)
    return not said or bool(said & stems(heard))


def _user_text(messages: Sequence[Mapping[str, Any]]) -> str:
    """What the caller said (and tools returned): where ids in arguments must come from."""
    return " ".join(
        _text(m.get("content")) for m in messages if m.get("role") in ("user", "tool", "developer")
    )


_CLOSING = re.compile(
    r"\b(bye|goodbye|good ?night|that'?s (all|it|everything)|hang up|end (the|this) call|"
    r"talk (to you )?later|see you|adi[oó]s|adieu|au revoir|tsch[uü]ss|ciao|arrivederci|"
    r"no,? thanks?|nothing else)\b",
    re.I,
)


def unwarranted_end(name: str, messages: Sequence[Mapping[str, Any]]) -> bool:
    """``end_call`` without a closing word from the caller. Forced to choose a call, a small
    model picks ``end_call`` for anything it does not want to answer (a jailbreak attempt)
    and would hang up on the visitor; such a call is dropped and the model replies."""
    if name != "end_call":
        return False
    last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    return last is None or not _CLOSING.search(_text(last.get("content")))


_FORM_INTENT = re.compile(
    r"\b(book\w*|reserv\w*|appointment|schedul\w*|sign(ing)? ?up|regist\w*|enrol\w*|"
    r"contact|get in touch|call ?back|message|form|apply|application|quote|subscrib\w*|"
    r"order|demo|trial|leave (my|our) details)\b",
    re.I,
)


def unwarranted_form(name: str, tools: list[Tool], messages: Sequence[Mapping[str, Any]]) -> bool:
    """``show_form`` for a caller who asked for nothing a form is for. Small models, asked which
    function they would call, pick the form for "What are your opening hours?" (0.5B: 0.99);
    in a voice call the form then waits for the visitor instead of an answer. The caller's last
    words must ask for something forms are for (book, reserve, contact, sign up…) or share a
    word with the offered forms' titles and fields."""
    if name != "show_form":
        return False
    last = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    said = _text(last.get("content")) if last is not None else ""
    if _FORM_INTENT.search(said):
        return False
    tool = next((t for t in tools if t.name == name), None)
    forms = tool.description.split("Forms:", 1)[-1] if tool is not None else ""
    return not _shares_a_word(forms, said.lower()) if forms.strip() else False


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _echoes_description(value: str, spec: Any) -> bool:
    """Is ``value`` the argument's own description (or three or more words of it) rather than
    anything said? Asked to quote its instructions, the 1.5B searched the knowledge base for
    "What to look up, in a few words": the ``query`` field's description."""
    described = spec.get("description") if isinstance(spec, Mapping) else None
    said = _words(value)
    if not isinstance(described, str) or len(said) < 3:
        return False
    return f" {' '.join(said)} " in f" {' '.join(_words(described))} "


def ungrounded(
    call: ToolCall, tools: list[Tool], messages: Sequence[Mapping[str, Any]]
) -> list[str]:
    """Required arguments whose value the caller never said. A small model asked "check my
    ticket" fills ``ticket_id`` with a made-up ``TICKET-123``; such a call is dropped and the
    model asked to reply (ask for the id). Judged: id-like strings (``*_id``, ``*_number``,
    ``email``…: their characters), dates (the day named), whole numbers (said in digits or
    words) and other free text (a content word in common; search strings excepted); no string
    may be the field's own description. Not judged: enums, constants and fields with a
    default."""
    tool = next((t for t in tools if t.name == call.name), None)
    if tool is None:
        return []
    heard = _user_text(messages).lower()
    heard_alnum = re.sub(r"[^0-9a-z@.]", "", heard)
    heard_digits = re.findall(r"\d+", heard)
    heard_numbers = {int(d) for d in heard_digits}
    missing: list[str] = []
    for name in tool.parameters.get("required") or []:
        value = call.arguments.get(name)
        spec = (tool.parameters.get("properties") or {}).get(name)
        if isinstance(spec, Mapping) and any(k in spec for k in ("enum", "const", "default")):
            continue  # one of the tool's own values (a form id), not something to be told
        if isinstance(value, int) and not isinstance(value, bool):
            if not _number_heard(value, heard, heard_numbers):
                missing.append(name)  # "any tables on the 5th?" is not a party of four
            continue
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):
            if not _date_heard(value.strip(), heard, heard_numbers):
                missing.append(name)
            continue
        if not isinstance(value, str):
            continue
        if _echoes_description(value, spec):
            missing.append(name)  # the field's own description, not the caller's words
            continue
        if not _GROUNDED_NAME.search(name):
            if not _SEARCH_NAME.search(name) and not _shares_a_word(value, heard):
                missing.append(name)  # free text the caller never spoke of
            continue
        text = value.strip().lower()
        if not text:
            missing.append(name)
            continue
        digits = re.findall(r"\d+", text)
        if digits:
            grounded = all(any(d in h for h in heard_digits) for d in digits)
        else:
            grounded = re.sub(r"[^0-9a-z@.]", "", text) in heard_alnum
        if not grounded:
            missing.append(name)
    return missing


_NUMBERED_NAME = re.compile(r"(^|_)(id|number|no)$", re.I)
_DATE_PATTERN = re.compile(r"\\d\{4\}-|YYYY-MM-DD", re.I)
_DAY_NAMED = re.compile(rf"\b({'|'.join([*_DAY_WORDS, *_CARDINALS, 'thirtieth', 'thirty'])})\b")


def _is_date(spec: Mapping[str, Any]) -> bool:
    return spec.get("format") == "date" or any(
        isinstance(spec.get(k), str) and _DATE_PATTERN.search(spec[k])
        for k in ("pattern", "description")
    )


def unfillable(tool: Tool, messages: Sequence[Mapping[str, Any]]) -> list[str]:
    """Required arguments that nothing said so far could fill, judged before any argument is
    sampled: a whole number when no number was said (in digits or words), a date when no day
    was named, an id (``*_id``, ``*_number``, ``*_no``) when no digit was said. Any value the
    model wrote for them would be :func:`ungrounded`; the decision step asks the caller for them
    instead of spending seconds generating a call that is then dropped ("Can you check if
    there's room?": 7.7 s on 1.5B, 2 cores). Enums, constants and fields with defaults are
    never missing."""
    heard = _user_text(messages).lower()
    if re.search(r"\d", heard):
        return []  # a digit could fill any of them: grounding judges the values written
    properties = tool.parameters.get("properties") or {}
    missing: list[str] = []
    for name in tool.parameters.get("required") or []:
        spec = properties.get(name)
        if not isinstance(spec, Mapping) or any(k in spec for k in ("enum", "const", "default")):
            continue
        kind = spec.get("type")
        if kind == "integer":
            if not any(_number_heard(n, heard, set()) for n in range(1, 21)):
                missing.append(name)
        elif kind == "string" and _is_date(spec):
            if not (_RELATIVE_DAY.search(heard) or _DAY_NAMED.search(heard)):
                missing.append(name)
        elif kind == "string" and _NUMBERED_NAME.search(name):
            missing.append(name)
    return missing


_SPOKEN_TOKEN = re.compile(r"[^\s,;:!?()\"']+")


def completed_ids(
    call: ToolCall, tools: list[Tool], messages: Sequence[Mapping[str, Any]]
) -> ToolCall:
    """The call with id-like arguments written as the caller said them. Asked "whats happening
    with ticket-789", a small model passes ``ticket_id: "789"``; an id is spoken as one token,
    so a value that is the caller's token without its prefix or suffix (joined by ``-``, ``_``,
    ``/``, ``#`` or ``.``) becomes that token. Only when exactly one such token was said; the
    arguments are validated again and the call left as it was if the whole token does not fit
    the schema."""
    tool = next((t for t in tools if t.name == call.name), None)
    if tool is None or not call.valid:
        return call
    tokens = {t.rstrip(".") for t in _SPOKEN_TOKEN.findall(_user_text(messages))}
    arguments = dict(call.arguments)
    for name, value in call.arguments.items():
        if not (isinstance(value, str) and value and _GROUNDED_NAME.search(name)):
            continue
        low = value.lower()
        whole = {
            t
            for t in tokens
            if t.lower() != low
            and len(t) > len(value)
            and (
                (t.lower().endswith(low) and t[-len(value) - 1] in "-_/#.")
                or (t.lower().startswith(low) and t[len(value)] in "-_/#.")
            )
        }
        if any(t.lower() == low for t in tokens) or len(whole) != 1:
            continue  # said as it is, or not one obvious whole
        arguments[name] = whole.pop()
    if arguments == call.arguments or schema_error(tool.parameters, arguments) is not None:
        return call
    return ToolCall(name=call.name, arguments=arguments, valid=True)


@dataclass
class TurnDecoder:
    """Splits a streamed generation into reply text (passed on at once) or one tool call."""

    tools: list[Tool]
    _buffer: list[str] = field(default_factory=list)
    mode: str | None = None  # "reply" | "call"

    def feed(self, piece: str) -> str:
        """Text to stream to the listener now (empty while a tool call is being generated)."""
        if not piece:
            return ""
        if self.mode is None:
            self.mode = "call" if piece.lstrip().startswith("<") else "reply"
        if self.mode == "call":
            self._buffer.append(piece)
            return ""
        return piece

    def finish(self) -> ToolCall | None:
        if self.mode != "call":
            return None
        return parse_call("".join(self._buffer), self.tools)
