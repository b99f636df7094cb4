"""Character API bodies (guide Pattern 4 / Pattern 2) and the owner and public views."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from oshara.characters.schemas import (
    DEFAULT_LLM_MODEL,
    AppearanceOut,
    CharacterCreate,
    CharacterOut,
    CharacterUpdate,
    Limits,
    Theme,
    WidgetAppearance,
    is_css_color,
)
from oshara.characters.tools import SECRET_MASK, seal_tools
from oshara.crypto import SecretBox

BOX = SecretBox("test-secret-key-0123456789abcdefghijklmnop")

# Guide Pattern 4, with customer = {id: "cust-42", companyName: "Acme", domain: "acme.com",
# brandColor: "#FF6600", agentInstructions: "Be brief."}.
PATTERN_4_BODY: dict[str, Any] = {
    "slug": "cust-42-bot",
    "name": "Acme Assistant",
    "system_prompt": "You are a support agent for Acme. Be brief.",
    "greeting": "Hi! I'm Acme's assistant. How can I help?",
    "language": "en",
    "allowed_origins": ["https://acme.com"],
    "llm_model": "gpt-4o-mini",
    "widget_appearance": {"name": "Acme", "theme": {"primary_color": "#FF6600"}},
}

# Forms of the guide's appearance example (Pattern 5).
GUIDE_FORMS: list[dict[str, Any]] = [
    {
        "id": "book-demo",
        "title": "Book a demo",
        "subtitle": "Tell us about your use case",
        "submit_url": "https://yoursite.com/api/demo-requests",
        "submit_label": "Confirm booking",
        "success_message": "We'll be in touch within one business day!",
        "fields": [
            {"name": "name", "label": "Your name", "type": "text", "required": True},
            {"name": "email", "label": "Work email", "type": "email", "required": True},
            {"name": "company", "label": "Company", "type": "text", "required": False},
            {
                "name": "use_case",
                "label": "Use case",
                "type": "select",
                "required": True,
                "options": ["Customer support", "Sales assistant", "Other"],
            },
            {"name": "date", "label": "Preferred date", "type": "date", "required": True},
        ],
    },
    {
        "id": "contact",
        "title": "Send us a message",
        "submit_url": None,
        "fields": [
            {"name": "name", "label": "Name", "type": "text", "required": True},
            {
                "name": "message",
                "label": "Message",
                "type": "textarea",
                "required": True,
                "rows": 4,
            },
        ],
    },
]

# Guide Pattern 2, step 2: the PATCH body ("widget_appearance": { ... } filled in with the
# appearance of the guide's Pattern 5).
GUIDE_PATCH_BODY: dict[str, Any] = {
    "widget_appearance": {"name": "Support Bot", "theme": {}, "forms": GUIDE_FORMS},
    "tools": [
        {
            "name": "ticket_lookup",
            "kind": "http",
            "description": "Look up a support ticket by its ID. Use when the user mentions a "
            "ticket number like TICKET-123.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "ticket_id": {"type": "string", "description": "Ticket ID, e.g. TICKET-123"}
                },
                "required": ["ticket_id"],
            },
            "config": {
                "url": "https://yoursite.com/api/oshara/ticket-lookup",
                "method": "POST",
                "headers": {"X-Oshara-Secret": "your-shared-secret"},
            },
        }
    ],
}


def errors_of(model: type[Any], data: Any) -> dict[str, str]:
    """``{"widget_appearance.theme.primary_color": message}`` for an invalid body."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    out: dict[str, str] = {}
    for err in info.value.errors():
        field = ""
        for part in err["loc"]:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else part)
        out[field] = err["msg"].removeprefix("Value error, ")
    return out


def create(**changes: Any) -> CharacterCreate:
    body = copy.deepcopy(PATTERN_4_BODY)
    body.update(changes)
    return CharacterCreate.model_validate(body)


# --------------------------------------------------------------------------- create


def test_pattern_4_create_body() -> None:
    character = CharacterCreate.model_validate(PATTERN_4_BODY)
    assert character.slug == "cust-42-bot"
    assert character.llm_model == "gpt-4o-mini"
    assert character.allowed_origins == ["https://acme.com"]
    assert character.widget_appearance.name == "Acme"
    assert character.widget_appearance.theme.primary_color == "#FF6600"
    assert character.widget_appearance.forms == []
    assert character.tools == []


def test_minimal_body_and_defaults() -> None:
    character = CharacterCreate.model_validate({"slug": "support-bot", "name": "Support Bot"})
    assert character.system_prompt == ""
    assert character.greeting == ""
    assert character.language == "en"
    assert character.allowed_origins == []
    assert character.llm_model == DEFAULT_LLM_MODEL == "local:qwen2.5-1.5b"
    assert character.stt_model == "local:whisper-tiny.en"
    assert character.tts_model == "local:piper"
    assert character.voice is None
    assert character.limits == Limits(
        max_session_seconds=900,
        idle_timeout_seconds=120,
        max_concurrent_sessions=10,
        sessions_per_minute=30,
    )
    assert character.builtins.show_form and character.builtins.end_call
    assert character.widget_appearance.model_dump(mode="json") == {
        "name": None,
        "theme": {},
        "forms": [],
    }


def test_required_fields() -> None:
    assert set(errors_of(CharacterCreate, {})) == {"slug", "name"}


def test_unknown_top_level_keys_are_named_along_with_other_errors() -> None:
    errors = errors_of(CharacterCreate, {**PATTERN_4_BODY, "agent": "x", "slug": "Bad Slug"})
    assert errors["agent"].startswith("unknown key 'agent' in character (allowed: slug, name,")
    assert "slug" in errors


@pytest.mark.parametrize("slug", ["cust-42-bot", "ab", "0-x", "a" * 63, "support-bot"])
def test_valid_slugs(slug: str) -> None:
    assert create(slug=slug).slug == slug


@pytest.mark.parametrize("slug", ["a", "-ab", "Ab", "a_b", "a b", "a" * 64, "", "ünï"])
def test_invalid_slug_message_shows_the_pattern(slug: str) -> None:
    message = errors_of(CharacterCreate, {**PATTERN_4_BODY, "slug": slug})["slug"]
    assert "^[a-z0-9][a-z0-9-]{1,62}$" in message


def test_name_rules() -> None:
    assert create(name="  Acme  ").name == "Acme"
    assert "name" in errors_of(CharacterCreate, {**PATTERN_4_BODY, "name": "   "})
    assert "name" in errors_of(CharacterCreate, {**PATTERN_4_BODY, "name": "x" * 121})


def test_prompt_and_greeting_limits() -> None:
    assert len(create(system_prompt="x" * 20_000).system_prompt) == 20_000
    assert "system_prompt" in errors_of(
        CharacterCreate, {**PATTERN_4_BODY, "system_prompt": "x" * 20_001}
    )
    assert "greeting" in errors_of(CharacterCreate, {**PATTERN_4_BODY, "greeting": "x" * 4001})


@pytest.mark.parametrize("language", ["en", "fr", "yue", "en-US", "pt-BR", "zh-Hant-TW", "es-419"])
def test_valid_languages(language: str) -> None:
    assert create(language=language).language == language


@pytest.mark.parametrize("language", ["", "EN", "english", "e", "en_US", "en-", "en-x"])
def test_invalid_languages(language: str) -> None:
    message = errors_of(CharacterCreate, {**PATTERN_4_BODY, "language": language})["language"]
    assert "BCP-47" in message


def test_model_names() -> None:
    character = create(
        stt_model="openai:whisper-1", tts_model="local:piper", voice="en_US-joe-medium"
    )
    assert character.voice == "en_US-joe-medium"
    assert "llm_model" in errors_of(CharacterCreate, {**PATTERN_4_BODY, "llm_model": ""})
    assert "llm_model" in errors_of(CharacterCreate, {**PATTERN_4_BODY, "llm_model": "gpt 4"})
    assert "voice" in errors_of(CharacterCreate, {**PATTERN_4_BODY, "voice": ""})


# --------------------------------------------------------------------------- allowed origins


def test_allowed_origins_normalised_and_deduplicated() -> None:
    character = create(
        allowed_origins=[
            "https://Acme.com/",
            "https://acme.com",
            "https://acme.com:443",
            "https://*.acme.com",
            "http://localhost:3000",
            "*",
        ]
    )
    assert character.allowed_origins == [
        "https://acme.com",
        "https://*.acme.com",
        "http://localhost:3000",
        "*",
    ]


def test_allowed_origin_errors_name_the_entry() -> None:
    errors = errors_of(
        CharacterCreate,
        {**PATTERN_4_BODY, "allowed_origins": ["https://acme.com", "https://acme.com/shop"]},
    )
    assert list(errors) == ["allowed_origins[1]"]
    assert "path" in errors["allowed_origins[1]"]


def test_allowed_origins_limit() -> None:
    many = [f"https://s{i}.acme.com" for i in range(101)]
    body = {**PATTERN_4_BODY, "allowed_origins": many}
    assert "allowed_origins" in errors_of(CharacterCreate, body)
    assert len(create(allowed_origins=many[:100] + many[:50]).allowed_origins) == 100


# --------------------------------------------------------------------------- theme


@pytest.mark.parametrize(
    "color",
    [
        "#fff",
        "#FFFA",
        "#ff6600",
        "#ff660080",
        "rgb(255, 102, 0)",
        "rgba(255, 102, 0, 0.5)",
        "rgb(100% 40% 0%)",
        "rgb(255 102 0 / 50%)",
        "rgba(255,102,0,.5)",
        "hsl(24, 100%, 50%)",
        "hsla(24deg, 100%, 50%, 0.4)",
        "hsl(0.1turn 100% 50% / .5)",
        "navy",
        "RebeccaPurple",
        "transparent",
        "currentColor",
    ],
)
def test_css_colours_accepted(color: str) -> None:
    assert is_css_color(color)
    theme = Theme.model_validate({"primary_color": color, "link_color": color})
    assert theme.primary_color == color


@pytest.mark.parametrize(
    "color",
    [
        "",
        "#ff66z",
        "#ff660",
        "#gggggg",
        "ff6600",
        "blurple",
        "rgb(255, 102)",
        "rgb(255 102 0, 1)",
        "rgb(1,2,3);background:url(x)",
        "hsl(24, 100, 50)",
        "url(javascript:alert(1))",
        "var(--brand)",
        "red; display: none",
    ],
)
def test_css_colours_refused(color: str) -> None:
    assert not is_css_color(color)
    errors = errors_of(Theme, {"primary_color": color})
    assert "CSS colour" in errors["primary_color"]


def test_theme_known_keys() -> None:
    theme = Theme.model_validate(
        {
            "primary_color": "#0af",
            "background_color": "white",
            "text_color": "rgb(0 0 0)",
            "font_family": 'Inter, "Helvetica Neue", sans-serif',
            "border_radius": 12,
            "position": "bottom-left",
        }
    )
    assert theme.values()["position"] == "bottom-left"
    assert Theme.model_validate({"border_radius": "0.75rem"}).border_radius == "0.75rem"
    errors = errors_of(
        Theme,
        {
            "background_color": 5,
            "font_family": "x; } body { display: none",
            "border_radius": "12 px",
            "position": "top-right",
        },
    )
    assert set(errors) >= {"background_color", "font_family", "position"}
    assert any(k.startswith("border_radius") for k in errors)


def test_theme_unknown_keys_scalars_only() -> None:
    theme = Theme.model_validate(
        {"launcher_label": "Talk to us", "bubble_size": 56, "shadow": True, "opacity": 0.9,
         "accent_color": "#123", "unset": None}
    )
    assert theme.values() == {
        "launcher_label": "Talk to us",
        "bubble_size": 56,
        "shadow": True,
        "opacity": 0.9,
        "accent_color": "#123",
    }
    errors = errors_of(
        Theme,
        {
            "gradient": ["#fff", "#000"],
            "nested": {"a": 1},
            "accent_color": "sparkly",
            "border_color": 3,
            "bad key!": "x",
            "huge": "x" * 501,
            "ctl": "a\u0000b",
            "primary_color": "nope",
        },
    )
    assert set(errors) == {
        "gradient",
        "nested",
        "accent_color",
        "border_color",
        "bad key!",
        "huge",
        "ctl",
        "primary_color",
    }
    assert "string, number or boolean" in errors["gradient"]


def test_theme_key_count_limit() -> None:
    assert errors_of(Theme, {f"k{i}": i for i in range(60)})


def test_theme_error_location_in_a_character() -> None:
    body = {**PATTERN_4_BODY, "widget_appearance": {"theme": {"primary_color": "brand"}}}
    assert "widget_appearance.theme.primary_color" in errors_of(CharacterCreate, body)


# --------------------------------------------------------------------------- forms


def test_guide_forms_are_accepted() -> None:
    appearance = WidgetAppearance.model_validate({"name": "Support Bot", "forms": GUIDE_FORMS})
    assert [f.id for f in appearance.forms] == ["book-demo", "contact"]
    dumped = appearance.model_dump(mode="json")
    assert dumped["forms"][1]["submit_url"] is None
    assert dumped["forms"][0]["fields"][3]["options"] == [
        "Customer support",
        "Sales assistant",
        "Other",
    ]
    assert WidgetAppearance.model_validate(dumped) == appearance  # stored form round-trips


def test_duplicate_form_ids_refused() -> None:
    body = {**PATTERN_4_BODY, "widget_appearance": {"forms": [GUIDE_FORMS[1], GUIDE_FORMS[1]]}}
    errors = errors_of(CharacterCreate, body)
    assert any(k.startswith("widget_appearance.forms") for k in errors)
    assert "duplicate form id 'contact'" in " ".join(errors.values())


def test_bad_form_error_names_the_form() -> None:
    bad = copy.deepcopy(GUIDE_FORMS)
    del bad[1]["fields"][0]["type"]
    errors = errors_of(CharacterCreate, {**PATTERN_4_BODY, "widget_appearance": {"forms": bad}})
    assert all(k.startswith("widget_appearance.forms[1]") for k in errors), errors


def test_forms_must_be_a_list_and_appearance_keys_are_known() -> None:
    body = {**PATTERN_4_BODY, "widget_appearance": {"forms": {"id": "x"}, "logo": "x"}}
    errors = errors_of(CharacterCreate, body)
    assert "widget_appearance.forms" in errors
    assert "unknown key 'logo' in widget_appearance" in errors["widget_appearance.logo"]


# --------------------------------------------------------------------------- limits, builtins


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("max_session_seconds", 10, 14_400),
        ("idle_timeout_seconds", 5, 3_600),
        ("max_concurrent_sessions", 1, 1_000),
        ("sessions_per_minute", 1, 10_000),
    ],
)
def test_limit_ranges(key: str, low: int, high: int) -> None:
    assert getattr(create(limits={key: low}).limits, key) == low
    assert getattr(create(limits={key: high}).limits, key) == high
    for bad in (low - 1, high + 1):
        body = {**PATTERN_4_BODY, "limits": {key: bad}}
        assert f"limits.{key}" in errors_of(CharacterCreate, body)


def test_limits_and_builtins_refuse_unknown_keys() -> None:
    errors = errors_of(
        CharacterCreate, {**PATTERN_4_BODY, "limits": {"rpm": 1}, "builtins": {"transfer": True}}
    )
    assert set(errors) == {"limits.rpm", "builtins.transfer"}
    assert not create(builtins={"show_form": False}).builtins.show_form


# --------------------------------------------------------------------------- tools in a body


def test_tool_errors_located_in_the_body() -> None:
    body = copy.deepcopy(GUIDE_PATCH_BODY)
    body["tools"].append(copy.deepcopy(body["tools"][0]))
    body["tools"][1]["config"]["url"] = "yoursite.com/x"
    errors = errors_of(CharacterUpdate, body)
    assert set(errors) == {"tools[1].config.url"}
    body["tools"][1]["config"]["url"] = "https://yoursite.com/x"
    assert "duplicate tool name 'ticket_lookup'" in errors_of(CharacterUpdate, body)[
        "tools[1].name"
    ]


# --------------------------------------------------------------------------- PATCH


def test_guide_patch_body() -> None:
    patch = CharacterUpdate.model_validate(GUIDE_PATCH_BODY)
    assert patch.model_fields_set == {"widget_appearance", "tools"}
    assert patch.tools is not None and patch.tools[0].name == "ticket_lookup"
    assert patch.widget_appearance is not None and len(patch.widget_appearance.forms or []) == 2

    current = create(widget_appearance={"name": "Acme", "theme": {"primary_color": "#f60"}})
    updated = patch.apply_to(current)
    assert updated.name == current.name and updated.system_prompt == current.system_prompt
    assert updated.widget_appearance.name == "Support Bot"
    assert updated.widget_appearance.theme.primary_color == "#f60"  # theme {} merges nothing
    assert [f.id for f in updated.widget_appearance.forms] == ["book-demo", "contact"]
    assert [t.name for t in updated.tools] == ["ticket_lookup"]
    assert current.tools == [] and current.widget_appearance.forms == []  # not modified


def test_empty_patch_changes_nothing() -> None:
    current = create()
    assert CharacterUpdate.model_validate({}).apply_to(current) == current


def test_patch_merges_nested_objects_and_replaces_lists() -> None:
    current = create(
        allowed_origins=["https://a.example", "https://b.example"],
        widget_appearance={
            "name": "Acme",
            "theme": {"primary_color": "#f60", "text_color": "black", "launcher": "Hi"},
            "forms": GUIDE_FORMS,
        },
        limits={"max_concurrent_sessions": 5},
    )
    patch = CharacterUpdate.model_validate(
        {
            "allowed_origins": ["https://C.example/"],
            "widget_appearance": {"theme": {"text_color": "white", "launcher": None}},
            "limits": {"sessions_per_minute": 60},
            "builtins": {"end_call": False},
            "voice": "en_US-joe-medium",
        }
    )
    updated = patch.apply_to(current)
    assert updated.allowed_origins == ["https://c.example"]
    assert updated.widget_appearance.name == "Acme"
    assert updated.widget_appearance.theme.values() == {
        "primary_color": "#f60",
        "text_color": "white",
    }
    assert len(updated.widget_appearance.forms) == 2  # untouched
    assert updated.limits.max_concurrent_sessions == 5
    assert updated.limits.sessions_per_minute == 60
    assert updated.builtins.show_form is True and updated.builtins.end_call is False
    assert updated.voice == "en_US-joe-medium"
    # Explicit resets.
    reset = CharacterUpdate.model_validate(
        {"voice": None, "widget_appearance": {"name": None, "forms": []}, "tools": []}
    ).apply_to(updated)
    assert reset.voice is None
    assert reset.widget_appearance.name is None
    assert reset.widget_appearance.forms == []
    assert reset.widget_appearance.theme == updated.widget_appearance.theme


def test_patch_refuses_null_for_non_nullable_fields() -> None:
    errors = errors_of(
        CharacterUpdate,
        {
            "name": None,
            "system_prompt": None,
            "tools": None,
            "limits": {"max_session_seconds": None},
            "builtins": {"show_form": None},
            "widget_appearance": {"forms": None, "theme": None},
        },
    )
    assert set(errors) == {
        "name",
        "system_prompt",
        "tools",
        "limits.max_session_seconds",
        "builtins.show_form",
        "widget_appearance.forms",
        "widget_appearance.theme",
    }
    assert errors["name"] == "may not be null"


def test_patch_validates_like_create() -> None:
    errors = errors_of(
        CharacterUpdate,
        {"slug": "Nope", "language": "english", "limits": {"idle_timeout_seconds": 1}, "x": 1},
    )
    assert set(errors) == {"slug", "language", "limits.idle_timeout_seconds", "x"}


def test_patch_slug_is_accepted_but_never_applied() -> None:
    current = create()
    patch = CharacterUpdate.model_validate({"slug": "other-slug", "name": "New"})
    assert patch.slug == "other-slug"  # the service refuses a different slug
    updated = patch.apply_to(current)
    assert updated.slug == "cust-42-bot" and updated.name == "New"


def test_get_body_can_be_sent_back_as_put_and_patch() -> None:
    character = create(tools=GUIDE_PATCH_BODY["tools"])
    out = _owner_view(character)
    body = out.model_dump(mode="json", exclude={"created_at", "updated_at"})
    assert CharacterCreate.model_validate(body).widget_appearance == character.widget_appearance
    assert CharacterUpdate.model_validate(body).tools is not None


# --------------------------------------------------------------------------- owner view


def _owner_view(character: CharacterCreate, tools: Any = None) -> CharacterOut:
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    data = character.model_dump(mode="json")
    data["tools"] = seal_tools(character.tools, None, BOX) if tools is None else tools
    return CharacterOut.model_validate({**data, "created_at": now, "updated_at": now})


def test_owner_view_has_everything_but_secrets() -> None:
    character = create(tools=GUIDE_PATCH_BODY["tools"])
    out = _owner_view(character)
    dumped = out.model_dump(mode="json")
    assert dumped["system_prompt"] == character.system_prompt
    assert dumped["llm_model"] == "gpt-4o-mini"
    assert dumped["tools"][0]["config"]["headers"] == {"X-Oshara-Secret": SECRET_MASK}
    assert dumped["created_at"] == "2025-01-02T03:04:05Z"
    text = json.dumps(dumped)
    assert "your-shared-secret" not in text and "gAAAA" not in text


def test_owner_view_masks_even_plaintext_input() -> None:
    character = create(tools=GUIDE_PATCH_BODY["tools"])
    out = _owner_view(character, tools=[t.model_dump(mode="json") for t in character.tools])
    assert "your-shared-secret" not in out.model_dump_json()
    out = _owner_view(character, tools=character.tools)
    assert "your-shared-secret" not in out.model_dump_json()


def test_owner_view_from_a_row_object() -> None:
    character = create()
    now = datetime.now(UTC)
    row = SimpleNamespace(
        **character.model_dump(mode="json"), created_at=now, updated_at=now
    )
    row.limits = {}  # rows written before a limit existed fall back to defaults
    row.builtins = None
    out = CharacterOut.model_validate(row)
    assert out.limits == Limits()
    assert out.builtins.show_form is True


# --------------------------------------------------------------------------- public view


def test_appearance_is_exactly_the_public_keys() -> None:
    character = create(
        system_prompt="SECRET PROMPT",
        tools=GUIDE_PATCH_BODY["tools"],
        widget_appearance={
            "name": "Support Bot",
            "theme": {"primary_color": "#f60", "position": "bottom-left"},
            "forms": GUIDE_FORMS,
        },
    )
    out = AppearanceOut.from_character(character).model_dump(mode="json")
    assert set(out) == {"slug", "name", "language", "theme", "forms", "position"}
    assert out["name"] == "Support Bot"
    assert out["position"] == "bottom-left"
    assert out["theme"] == {"primary_color": "#f60", "position": "bottom-left"}
    assert [f["id"] for f in out["forms"]] == ["book-demo", "contact"]
    assert out["forms"][1]["submit_url"] is None
    assert "placeholder" not in out["forms"][0]["fields"][0]  # unset attributes are absent
    text = json.dumps(out)
    for secret in ("SECRET PROMPT", "your-shared-secret", "ticket_lookup", "gpt-4o-mini",
                   "X-Oshara-Secret", "acme.com"):
        assert secret not in text


def test_appearance_name_falls_back_to_character_name() -> None:
    character = create(widget_appearance={})
    out = AppearanceOut.from_character(character)
    assert out.name == "Acme Assistant"
    assert out.position == "bottom-right"
    assert out.theme == {} and out.forms == []


def test_appearance_from_stored_json() -> None:
    character = create(widget_appearance={"theme": {"text_color": "navy"}, "forms": GUIDE_FORMS})
    stored = character.widget_appearance.to_json()
    json.dumps(stored)
    out = AppearanceOut.build(
        slug="cust-42-bot", name="Acme Assistant", language="en", widget_appearance=stored
    )
    assert out == AppearanceOut.from_character(character)
    empty = AppearanceOut.build(slug="s-1", name="N", language="fr", widget_appearance=None)
    assert empty.name == "N" and empty.language == "fr"


def test_appearance_refuses_extra_keys() -> None:
    with pytest.raises(ValidationError):
        AppearanceOut.model_validate(
            {"slug": "a", "name": "b", "language": "en", "theme": {}, "forms": [], "tools": []}
        )
