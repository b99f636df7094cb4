"""Request and response shapes of the character API (``/api/ai-characters/``).

- :class:`CharacterCreate` — the body of ``POST`` and ``PUT`` (full replacement).
- :class:`CharacterUpdate` — the body of ``PATCH``: every field optional; nested objects
  (``widget_appearance``, its ``theme``, ``limits``, ``builtins``) are merged key by key, lists
  (``tools``, ``allowed_origins``, ``widget_appearance.forms``) are replaced.
  :meth:`CharacterUpdate.apply_to` produces the resulting :class:`CharacterCreate`.
- :class:`CharacterOut` — owner-facing response; tool header values are always masked.
- :class:`AppearanceOut` — the *public* appearance endpoint: slug, name, language, theme,
  forms and position, and nothing else (never tools, prompts, headers or models).

Unknown keys are refused everywhere except inside ``theme``, which accepts extra scalar keys.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from oshara.characters.origins import normalize_origin_pattern
from oshara.characters.tools import CharacterTool, StrictModel, ToolList, public_tools
from oshara.forms.definitions import FormDefinition, parse_forms
from oshara.forms.public import PublicFormDefinition, PublicTheme
from oshara.schemadoc import DocumentedAs

__all__ = [
    "DEFAULT_LLM_MODEL",
    "DEFAULT_STT_MODEL",
    "DEFAULT_TTS_MODEL",
    "LANGUAGE_PATTERN",
    "MAX_ALLOWED_ORIGINS",
    "SLUG_PATTERN",
    "AppearanceOut",
    "Builtins",
    "BuiltinsUpdate",
    "CharacterCreate",
    "CharacterOut",
    "CharacterUpdate",
    "Limits",
    "LimitsUpdate",
    "Theme",
    "WidgetAppearance",
    "WidgetAppearanceUpdate",
    "is_css_color",
]

DEFAULT_LLM_MODEL = "local:qwen2.5-1.5b"
DEFAULT_STT_MODEL = "local:whisper-tiny.en"
DEFAULT_TTS_MODEL = "local:piper"

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
MAX_ALLOWED_ORIGINS = 100
MAX_SYSTEM_PROMPT_CHARS = 20_000
MAX_GREETING_CHARS = 4_000
MAX_THEME_KEYS = 50
MAX_THEME_STRING_CHARS = 500

_SLUG_RE = re.compile(SLUG_PATTERN)
_LANGUAGE_RE = re.compile(LANGUAGE_PATTERN)
_THEME_KEY_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$")
_FONT_FAMILY_RE = re.compile(r"""^[A-Za-z0-9 ,'"_.-]{1,200}$""")
_CSS_LENGTH_RE = re.compile(r"^(?:0|\d{1,4}(?:\.\d{1,3})?(?:px|rem|em|%))$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


# --------------------------------------------------------------------------- CSS colours

_CSS_NAMED_COLOR_LIST = """
    aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue
    blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk
    crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki
    darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen
    darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue
    dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite
    gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki
    lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan
    lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen
    lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen
    magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen
    mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream
    mistyrose moccasin navajowhite navy oldlace olive olivedrab orange orangered orchid
    palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum
    powderblue purple rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown
    seagreen seashell sienna silver skyblue slateblue slategray slategrey snow springgreen
    steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow
    yellowgreen transparent currentcolor
"""
_CSS_NAMED_COLORS = frozenset(_CSS_NAMED_COLOR_LIST.split())
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_NUM_PCT = rf"(?:{_NUM}%?|none)"
_HUE = rf"(?:{_NUM}(?:deg|grad|rad|turn)?|none)"
_CSS_COLOR_RES = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$",
        # legacy comma syntax: rgb(1, 2, 3) / rgba(1, 2, 3, .5)
        rf"^rgba?\(\s*{_NUM}%?\s*,\s*{_NUM}%?\s*,\s*{_NUM}%?\s*(?:,\s*{_NUM}%?\s*)?\)$",
        # modern space syntax: rgb(1 2 3 / 50%)
        rf"^rgba?\(\s*{_NUM_PCT}\s+{_NUM_PCT}\s+{_NUM_PCT}\s*(?:/\s*{_NUM_PCT}\s*)?\)$",
        rf"^hsla?\(\s*{_HUE}\s*,\s*{_NUM}%\s*,\s*{_NUM}%\s*(?:,\s*{_NUM}%?\s*)?\)$",
        rf"^hsla?\(\s*{_HUE}\s+{_NUM_PCT}\s+{_NUM_PCT}\s*(?:/\s*{_NUM_PCT}\s*)?\)$",
    )
)


def is_css_color(value: str) -> bool:
    """Whether ``value`` is a CSS colour: hex, rgb()/rgba()/hsl()/hsla() or a named colour."""
    text = value.strip()
    if len(text) > 100:
        return False
    if text.lower() in _CSS_NAMED_COLORS:
        return True
    return any(r.match(text) for r in _CSS_COLOR_RES)


# --------------------------------------------------------------------------- scalar types


def _check_slug(value: str) -> str:
    if not _SLUG_RE.match(value):
        raise PydanticCustomError(
            "slug_pattern",
            f"slug must match {SLUG_PATTERN}: 2-63 lowercase letters, digits or hyphens, "
            "starting with a letter or digit (e.g. cust-42-bot)",
        )
    return value


def _check_language(value: str) -> str:
    if not _LANGUAGE_RE.match(value):
        raise PydanticCustomError(
            "language_pattern",
            f"language must be a BCP-47 tag matching {LANGUAGE_PATTERN} (e.g. en, en-US, pt-BR)",
        )
    return value


def _check_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty or only whitespace")
    return value


def _check_css_color(value: str) -> str:
    if not is_css_color(value):
        raise ValueError(
            f"{value!r} is not a CSS colour (use #rgb, #rrggbb, #rrggbbaa, rgb(), rgba(), "
            "hsl(), hsla() or a named colour such as 'navy')"
        )
    return value.strip()


def _check_origins(values: list[str]) -> list[str]:
    unique = list(dict.fromkeys(values))
    if len(unique) > MAX_ALLOWED_ORIGINS:
        raise ValueError(f"at most {MAX_ALLOWED_ORIGINS} allowed origins")
    return unique


Slug = Annotated[str, AfterValidator(_check_slug)]
Language = Annotated[str, AfterValidator(_check_language)]
DisplayName = Annotated[str, Field(max_length=120), AfterValidator(_check_name)]
ModelName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S+$")]
VoiceName = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^\S+$")]
SystemPrompt = Annotated[str, Field(max_length=MAX_SYSTEM_PROMPT_CHARS)]
Greeting = Annotated[str, Field(max_length=MAX_GREETING_CHARS)]
CssColor = Annotated[str, AfterValidator(_check_css_color)]
OriginPattern = Annotated[str, AfterValidator(normalize_origin_pattern)]
AllowedOrigins = Annotated[list[OriginPattern], AfterValidator(_check_origins)]
FontFamily = Annotated[str, Field(pattern=_FONT_FAMILY_RE.pattern)]
BorderRadius = (
    Annotated[float, Field(ge=0, le=1000)] | Annotated[str, Field(pattern=_CSS_LENGTH_RE.pattern)]
)
Position = Literal["bottom-right", "bottom-left"]
# Plain dicts at runtime (unset attributes left out, not null); documented precisely.
PublicThemeDict = Annotated[dict[str, Any], DocumentedAs(PublicTheme)]
PublicForms = Annotated[list[dict[str, Any]], DocumentedAs(list[PublicFormDefinition])]


# --------------------------------------------------------------------------- appearance


def _theme_extra_errors(extra: Mapping[Any, Any], total_keys: int) -> list[InitErrorDetails]:
    """Problems with the theme keys that are not typed fields of :class:`Theme`."""
    errors: list[InitErrorDetails] = []

    def problem(key: str | None, message: str) -> None:
        loc = () if key is None else (key,)
        errors.append(
            InitErrorDetails(type=PydanticCustomError("theme_value", message), loc=loc, input=None)
        )

    if total_keys > MAX_THEME_KEYS:
        problem(None, f"theme has more than {MAX_THEME_KEYS} keys")
        return errors
    for key, value in extra.items():
        key = str(key)
        if not _THEME_KEY_RE.match(key):
            problem(key, "theme keys must be identifiers (letters, digits, _ and -)")
        elif value is None:
            continue
        elif isinstance(value, str):
            if key.endswith("_color") and not is_css_color(value):
                problem(key, f"{value!r} is not a CSS colour")
            elif len(value) > MAX_THEME_STRING_CHARS:
                problem(key, f"must be at most {MAX_THEME_STRING_CHARS} characters")
            elif _CONTROL_RE.search(value):
                problem(key, "must not contain control characters")
        elif isinstance(value, bool) or (isinstance(value, int | float) and math.isfinite(value)):
            if key.endswith("_color"):
                problem(key, "must be a CSS colour string")
        else:
            problem(key, "unknown theme keys may only hold a string, number or boolean")
    return errors


class Theme(BaseModel):
    """Widget theme. Known keys are typed; other keys may hold str/number/bool scalars.

    Every key ending in ``_color`` must be a CSS colour. ``null`` means "not set" (and, in a
    PATCH, removes the key).
    """

    model_config = ConfigDict(extra="allow")

    primary_color: CssColor | None = None
    background_color: CssColor | None = None
    text_color: CssColor | None = None
    font_family: FontFamily | None = Field(
        default=None, description='CSS font-family list, e.g. "Inter, sans-serif"'
    )
    border_radius: BorderRadius | None = Field(
        default=None, description="Pixels as a number, or a CSS length such as '12px'"
    )
    position: Position | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _check_extra_keys(cls, data: Any, handler: ModelWrapValidatorHandler[Theme]) -> Theme:
        if not isinstance(data, Mapping):
            return handler(data)
        errors = _theme_extra_errors(
            {k: v for k, v in data.items() if k not in cls.model_fields}, len(data)
        )
        try:
            theme = handler(data)
        except ValidationError as exc:
            if not errors:
                raise
            errors.extend(
                InitErrorDetails(
                    type=PydanticCustomError(str(err["type"]), str(err["msg"])),
                    loc=tuple(err["loc"]),
                    input=err.get("input"),
                )
                for err in exc.errors(include_url=False)
            )
        if errors:
            raise ValidationError.from_exception_data("Theme", errors)
        return theme

    def values(self) -> dict[str, Any]:
        """The theme as a plain dict, keys that are not set left out."""
        return self.model_dump(mode="json", exclude_none=True)


def _parse_forms(value: Any) -> Any:
    if not isinstance(value, list | tuple):
        return value  # let pydantic report "Input should be a valid list"
    raw = [f.public_dict() if isinstance(f, FormDefinition) else f for f in value]
    return parse_forms(raw)


class WidgetAppearance(StrictModel):
    """How the widget looks and which forms the agent can show."""

    unknown_key_where: ClassVar[str] = " in widget_appearance"

    name: DisplayName | None = Field(
        default=None, description="Name shown in the widget; defaults to the character name."
    )
    theme: Theme = Field(default_factory=Theme)
    forms: list[FormDefinition] = Field(default_factory=list)

    @field_validator("forms", mode="before")
    @classmethod
    def _validate_forms(cls, value: Any) -> Any:
        return _parse_forms(value)

    @field_serializer("theme")
    def _dump_theme(self, theme: Theme) -> PublicThemeDict:
        return theme.values()

    @field_serializer("forms")
    def _dump_forms(self, forms: list[FormDefinition]) -> PublicForms:
        return [form.public_dict() for form in forms]

    def to_json(self) -> dict[str, Any]:
        """Stored / owner-facing JSON: ``{name?, theme, forms}`` with forms in public form."""
        out: dict[str, Any] = {
            "theme": self.theme.values(),
            "forms": [form.public_dict() for form in self.forms],
        }
        if self.name is not None:
            out = {"name": self.name, **out}
        return out


class WidgetAppearanceUpdate(StrictModel):
    """PATCH of ``widget_appearance``: ``theme`` is merged key by key, ``forms`` replaced."""

    unknown_key_where: ClassVar[str] = " in widget_appearance"

    name: DisplayName | None = None
    theme: Theme | None = None
    forms: list[FormDefinition] | None = None

    @field_validator("forms", mode="before")
    @classmethod
    def _validate_forms(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("forms may not be null; send [] to remove all forms")
        return _parse_forms(value)

    @field_serializer("theme")
    def _dump_theme(self, theme: Theme | None) -> dict[str, Any] | None:
        # Unlike a full theme, null values are kept: in a PATCH they remove the key.
        return None if theme is None else theme.model_dump(mode="json", exclude_unset=True)

    @field_serializer("forms")
    def _dump_forms(self, forms: list[FormDefinition] | None) -> list[dict[str, Any]] | None:
        return None if forms is None else [form.public_dict() for form in forms]

    @field_validator("theme", mode="before")
    @classmethod
    def _theme_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("theme may not be null; send {} or null values for single keys")
        return value


# --------------------------------------------------------------------------- limits, builtins


class Limits(StrictModel):
    """Per-character limits on sessions."""

    unknown_key_where: ClassVar[str] = " in limits"

    max_session_seconds: int = Field(default=900, ge=10, le=14_400)
    idle_timeout_seconds: int = Field(default=120, ge=5, le=3_600)
    max_concurrent_sessions: int = Field(default=10, ge=1, le=1_000)
    sessions_per_minute: int = Field(default=30, ge=1, le=10_000)


class LimitsUpdate(StrictModel):
    """PATCH of ``limits``: only the keys sent change."""

    unknown_key_where: ClassVar[str] = " in limits"

    max_session_seconds: int | None = Field(default=None, ge=10, le=14_400)
    idle_timeout_seconds: int | None = Field(default=None, ge=5, le=3_600)
    max_concurrent_sessions: int | None = Field(default=None, ge=1, le=1_000)
    sessions_per_minute: int | None = Field(default=None, ge=1, le=10_000)

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


class Builtins(StrictModel):
    """Built-in tools the agent may use: ``show_form(form_id, prefill?)`` and ``end_call``."""

    unknown_key_where: ClassVar[str] = " in builtins"

    show_form: bool = True
    end_call: bool = True


class BuiltinsUpdate(StrictModel):
    """PATCH of ``builtins``: only the keys sent change."""

    unknown_key_where: ClassVar[str] = " in builtins"

    show_form: bool | None = None
    end_call: bool | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


# --------------------------------------------------------------------------- characters


class CharacterCreate(StrictModel):
    """Body of ``POST /api/ai-characters/`` and ``PUT /api/ai-characters/{slug}/``."""

    unknown_key_where: ClassVar[str] = " in character"

    slug: Slug = Field(description=f"Globally unique, {SLUG_PATTERN}")
    name: DisplayName
    system_prompt: SystemPrompt = ""
    greeting: Greeting = ""
    language: Language = "en"
    allowed_origins: AllowedOrigins = Field(
        default_factory=list,
        description="Origins allowed to start sessions: exact, https://*.example.com, or *",
    )
    llm_model: ModelName = DEFAULT_LLM_MODEL
    stt_model: ModelName = DEFAULT_STT_MODEL
    tts_model: ModelName = DEFAULT_TTS_MODEL
    voice: VoiceName | None = Field(default=None, description="e.g. en_US-joe-medium")
    widget_appearance: WidgetAppearance = Field(default_factory=WidgetAppearance)
    tools: ToolList = Field(default_factory=list)
    limits: Limits = Field(default_factory=Limits)
    builtins: Builtins = Field(default_factory=Builtins)


_NULLABLE_UPDATE_FIELDS = frozenset({"voice"})


class CharacterUpdate(StrictModel):
    """Body of ``PATCH /api/ai-characters/{slug}/``: only the fields sent change.

    ``slug`` is accepted so a GET body can be sent back, but it must equal the current slug
    (checked by the service; :meth:`apply_to` never changes the slug). ``null`` is refused
    except for ``voice``.
    """

    unknown_key_where: ClassVar[str] = " in character"

    slug: Slug | None = None
    name: DisplayName | None = None
    system_prompt: SystemPrompt | None = None
    greeting: Greeting | None = None
    language: Language | None = None
    allowed_origins: AllowedOrigins | None = None
    llm_model: ModelName | None = None
    stt_model: ModelName | None = None
    tts_model: ModelName | None = None
    voice: VoiceName | None = None
    widget_appearance: WidgetAppearanceUpdate | None = None
    tools: ToolList | None = None
    limits: LimitsUpdate | None = None
    builtins: BuiltinsUpdate | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in _NULLABLE_UPDATE_FIELDS:
            raise ValueError("may not be null")
        return value

    def apply_to(self, current: CharacterCreate) -> CharacterCreate:
        """Return ``current`` with this patch applied (``current`` itself is not modified).

        Tools in ``current`` should carry masked header values (``public_tools``) so that
        :func:`~oshara.characters.tools.seal_tools` keeps the stored secrets afterwards.
        """
        updates: dict[str, Any] = {}
        for field in self.model_fields_set - {"slug"}:
            value = getattr(self, field)
            if field == "limits":
                value = current.limits.model_copy(update=value.model_dump(exclude_unset=True))
            elif field == "builtins":
                value = current.builtins.model_copy(update=value.model_dump(exclude_unset=True))
            elif field == "widget_appearance":
                value = _merge_appearance(current.widget_appearance, value)
            updates[field] = value
        return current.model_copy(update=updates)


def _merge_appearance(current: WidgetAppearance, patch: WidgetAppearanceUpdate) -> WidgetAppearance:
    name = patch.name if "name" in patch.model_fields_set else current.name
    theme = current.theme
    if patch.theme is not None:
        merged = current.theme.values()
        for key, value in patch.theme.model_dump(mode="json", exclude_unset=True).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        theme = Theme.model_validate(merged)
    forms = patch.forms if patch.forms is not None else current.forms
    return WidgetAppearance.model_construct(name=name, theme=theme, forms=forms)


class CharacterOut(BaseModel):
    """A character as its owner sees it. Tool header values are always masked.

    ``system_prompt`` and ``tools`` are null for callers with the ``member`` role.
    """

    model_config = ConfigDict(from_attributes=True)

    slug: str
    name: str
    system_prompt: str | None
    greeting: str
    language: str
    allowed_origins: list[str]
    llm_model: str
    stt_model: str
    tts_model: str
    voice: str | None
    widget_appearance: WidgetAppearance
    tools: list[CharacterTool] | None
    limits: Limits
    builtins: Builtins
    created_at: datetime
    updated_at: datetime

    @field_validator("tools", mode="before")
    @classmethod
    def _mask_tools(cls, value: Any) -> Any:
        # Whatever was passed in (sealed, plaintext or models), secrets never leave masked.
        if isinstance(value, list | tuple):
            docs = [t.model_dump(mode="json") if isinstance(t, BaseModel) else t for t in value]
            if all(isinstance(d, Mapping) for d in docs):
                return public_tools(docs)
        return value

    @field_validator("limits", "builtins", "widget_appearance", mode="before")
    @classmethod
    def _none_is_default(cls, value: Any) -> Any:
        return {} if value is None else value


class AppearanceOut(BaseModel):
    """Public appearance of a character (``GET /api/agents/{slug}/appearance/``).

    Exactly these keys: nothing secret, nothing about models, prompts or tools.
    """

    model_config = ConfigDict(extra="forbid")

    slug: str
    name: str
    language: str
    theme: PublicThemeDict
    forms: PublicForms = Field(description="Full form definitions (guide Pattern 5)")
    position: Position = "bottom-right"

    @classmethod
    def build(
        cls,
        *,
        slug: str,
        name: str,
        language: str,
        widget_appearance: WidgetAppearance | Mapping[str, Any] | None,
    ) -> AppearanceOut:
        """Assemble the public view from a character's stored fields."""
        if isinstance(widget_appearance, WidgetAppearance):
            appearance = widget_appearance
        else:
            appearance = WidgetAppearance.model_validate(widget_appearance or {})
        theme = appearance.theme.values()
        return cls(
            slug=slug,
            name=appearance.name or name,
            language=language,
            theme=theme,
            forms=[form.public_dict() for form in appearance.forms],
            position=appearance.theme.position or "bottom-right",
        )

    @classmethod
    def from_character(cls, character: CharacterCreate) -> AppearanceOut:
        """The public view of a validated character."""
        return cls.build(
            slug=character.slug,
            name=character.name,
            language=character.language,
            widget_appearance=character.widget_appearance,
        )
