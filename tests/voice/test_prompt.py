from datetime import UTC, datetime

from oshara.voice.prompt import render_system_prompt, render_template


def test_variables_filled_and_missing_render_empty() -> None:
    out = render_template(
        "Hi {{user_name}}, plan {{ plan }}, org {{org.name}}, x{{missing}}y, {{org.missing.deep}}.",
        {"user_name": "Bob", "plan": 3, "org": {"name": "Acme"}},
    )
    assert out == "Hi Bob, plan 3, org Acme, xy, ."


def test_non_scalar_and_odd_values_never_raise() -> None:
    assert render_template("{{a}}|{{b}}|{{c}}", {"a": [1, 2], "b": None, "c": True}) == "||yes"
    assert render_template("{{a}}", None) == ""
    assert render_template("{{ not a var }} {{}}", {}) == "{{ not a var }} {{}}"


def test_prompt_has_language_date_and_voice_style() -> None:
    now = datetime(2026, 3, 4, tzinfo=UTC)
    prompt = render_system_prompt(
        "You help {{user_name}}.",
        {"user_name": "Ana"},
        language="es-MX",
        character_name="Ava",
        mode="voice",
        now=now,
    )
    assert prompt.startswith("You help Ana.")
    assert "Your name is Ava." in prompt
    assert "Always answer in Spanish." in prompt
    assert "Wednesday, 04 March 2026" in prompt
    assert "voice call" in prompt
    assert "confidential" in prompt
    assert "call it instead of guessing" not in prompt  # no tools, no tool policy
    text = render_system_prompt("x", {}, mode="text", now=now, tools=True)
    assert "voice call" not in text
    assert "call it instead of guessing" in text
