"""Form definitions: the guide's examples parse, bad definitions are refused with a location."""

from __future__ import annotations

import copy
import json
import math
from typing import Any

import pytest
from pydantic import ValidationError

from oshara.forms.definitions import FormDefinition, FormField, parse_forms

BOOK_DEMO: dict[str, Any] = {
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
}
CONTACT: dict[str, Any] = {
    "id": "contact",
    "title": "Send us a message",
    "submit_url": None,
    "fields": [
        {"name": "name", "label": "Name", "type": "text", "required": True},
        {"name": "message", "label": "Message", "type": "textarea", "required": True, "rows": 4},
    ],
}
ONBOARDING: dict[str, Any] = {
    "id": "onboarding",
    "title": "Get started",
    "steps": [
        {
            "id": "details",
            "title": "Your details",
            "fields": [
                {"type": "display", "label": "Tell us a little about you."},
                {"name": "name", "label": "Name", "type": "text", "required": True,
                 "width": "half"},
                {"name": "phone", "label": "Phone", "type": "tel", "width": "half",
                 "pattern": r"^\+?[0-9 ()-]{7,20}$", "placeholder": "+1 555 0100"},
            ],
        },
        {
            "id": "use-case",
            "title": "Your use case",
            "fields": [
                {"name": "team_size", "label": "Team size", "type": "number", "min": 1,
                 "max": 10000},
                {"name": "channel", "label": "Channel", "type": "radio",
                 "options": [{"value": "web", "label": "Website"}, {"value": "app"}]},
            ],
        },
        {
            "id": "schedule",
            "title": "Book a time",
            "fields": [
                {"name": "day", "label": "Day", "type": "date", "required": True},
                {"name": "at", "label": "Time", "type": "time", "help_text": "Your timezone"},
                {"name": "consent", "label": "I agree to be contacted", "type": "checkbox",
                 "required": True, "default_value": "false"},
            ],
        },
    ],
}


def form_with(**field: Any) -> dict[str, Any]:
    """A one-field form definition (field attributes given as keyword arguments)."""
    base: dict[str, Any] = {"name": "f", "label": "F", "type": "text"}
    base.update(field)
    return {"id": "x", "title": "X", "fields": [{k: v for k, v in base.items() if v != ...}]}


def errors_of(data: Any) -> list[tuple[tuple[int | str, ...], str]]:
    with pytest.raises(ValidationError) as info:
        parse_forms(data)
    return [(tuple(e["loc"]), e["msg"]) for e in info.value.errors()]


def refused(field_data: dict[str, Any], *needles: str) -> None:
    errors = errors_of([field_data])
    text = json.dumps([[list(loc), msg] for loc, msg in errors])
    for needle in needles:
        assert needle in text, text


# ------------------------------------------------------------------------------ guide forms


def test_guide_forms_parse() -> None:
    forms = parse_forms([BOOK_DEMO, CONTACT, ONBOARDING])
    assert [f.id for f in forms] == ["book-demo", "contact", "onboarding"]
    assert forms[0].submit_method == "POST"
    assert forms[1].submit_url is None
    assert all(f.visitor_can_open for f in forms)
    assert [f.name for f in forms[2].all_fields()] == [
        None, "name", "phone", "team_size", "channel", "day", "at", "consent",
    ]
    assert forms[0].all_fields()[3].option_values == [
        "Customer support", "Sales assistant", "Other",
    ]
    assert forms[2].all_fields()[4].option_values == ["web", "app"]


def test_public_dict_leaves_unset_attributes_absent() -> None:
    forms = parse_forms([BOOK_DEMO, CONTACT, ONBOARDING])
    contact = forms[1].public_dict()
    assert contact["submit_url"] is None  # as in the guide's example
    assert "steps" not in contact and "subtitle" not in contact
    assert contact["fields"][0] == {"name": "name", "label": "Name", "type": "text",
                                    "required": True}
    onboarding = forms[2].public_dict()
    display = onboarding["steps"][0]["fields"][0]
    assert "name" not in display and "min" not in display and "pattern" not in display
    assert onboarding["steps"][1]["fields"][1]["options"] == [
        {"value": "web", "label": "Website"}, {"value": "app"},
    ]
    assert list(onboarding)[:4] == ["id", "title", "submit_url", "submit_method"]
    assert "null" not in json.dumps({**onboarding, "submit_url": "-"})
    for form in forms:  # round trip
        assert FormDefinition.model_validate(form.public_dict()) == form


def test_submit_method_is_normalised_and_limited() -> None:
    owner = {**CONTACT, "submit_url": "https://yoursite.com/api/contact"}
    assert parse_forms([{**owner, "submit_method": "patch"}])[0].submit_method == "PATCH"
    assert parse_forms([{**owner, "submit_method": "Put"}])[0].submit_method == "PUT"
    assert parse_forms([{**CONTACT, "submit_method": "post"}])[0].submit_method == "POST"
    refused({**owner, "submit_method": "GET"}, "submit_method")
    # Managed storage (submit_url null) accepts POST only: the guide's submitForm() sends
    # submit_method to our endpoint.
    refused({**CONTACT, "submit_method": "PUT"}, "submit_method")


@pytest.mark.parametrize("url", ["http://example.com/x", "https://a.b:8443/p?q=1#f"])
def test_submit_url_accepts_absolute_http_urls(url: str) -> None:
    assert parse_forms([{**CONTACT, "submit_url": url}])[0].submit_url == url


@pytest.mark.parametrize(
    "url", ["/api/demo", "ftp://x.y/", "https://", "https://a b.c/", "javascript:alert(1)",
            "https://x.y:99999/", 42],
)
def test_submit_url_refuses_others(url: Any) -> None:
    refused({**CONTACT, "submit_url": url}, "submit_url")


# ------------------------------------------------------------------------------ form level


@pytest.mark.parametrize("form_id", ["Book-Demo", "-x", "a" * 65, "", "a b", "é"])
def test_form_id_must_be_slug(form_id: str) -> None:
    refused({**CONTACT, "id": form_id}, '["0", "id"]'.replace('"0"', "0"))


def test_fields_xor_steps() -> None:
    refused({**CONTACT, "steps": ONBOARDING["steps"]}, "exactly one of 'fields' or 'steps'")
    no_fields = {k: v for k, v in CONTACT.items() if k != "fields"}
    refused(no_fields, "exactly one of 'fields' or 'steps'")
    refused({**CONTACT, "fields": []}, "fields", "at least 1")
    refused({**ONBOARDING, "steps": []}, "steps", "at least 1")
    bad = copy.deepcopy(ONBOARDING)
    bad["steps"][1]["fields"] = []
    refused(bad, '[0, "steps", 1, "fields"]')


def test_duplicate_step_ids_and_field_names_are_named() -> None:
    bad = copy.deepcopy(ONBOARDING)
    bad["steps"][2]["id"] = "details"
    refused(bad, "steps[2].id: duplicate step id 'details' (first used by steps[0])")
    bad = copy.deepcopy(ONBOARDING)
    bad["steps"][2]["fields"][0]["name"] = "phone"
    refused(bad, "steps[2].fields[0].name: duplicate field name 'phone' "
                 "(first used by steps[0].fields[2])")
    flat = copy.deepcopy(CONTACT)
    flat["fields"][1]["name"] = "name"
    refused(flat, "fields[1].name: duplicate field name 'name'")


def test_unknown_keys_refused_everywhere() -> None:
    refused({**CONTACT, "color": "red"}, '[0, "color"]', "Extra inputs")
    bad = copy.deepcopy(CONTACT)
    bad["fields"][0]["maxlength"] = 3
    refused(bad, '[0, "fields", 0, "maxlength"]')
    bad = copy.deepcopy(ONBOARDING)
    bad["steps"][0]["hint"] = "x"
    refused(bad, '[0, "steps", 0, "hint"]')
    bad = copy.deepcopy(ONBOARDING)
    bad["steps"][1]["fields"][1]["options"][0]["icon"] = "x"
    refused(bad, "icon")


def test_parse_forms_checks_ids_and_shape() -> None:
    assert errors_of(CONTACT)[0][0] == ()
    msgs = errors_of([CONTACT, BOOK_DEMO, {**CONTACT}])
    assert msgs == [((), "Value error, [2].id: duplicate form id 'contact' (first used by [0])")]
    assert errors_of([{**CONTACT, "title": " "}])[0][0] == (0, "title")
    assert errors_of([CONTACT] * 51)[0][1].startswith("List should have at most 50")


def test_visitor_can_open_flag() -> None:
    assert parse_forms([{**CONTACT, "visitor_can_open": False}])[0].visitor_can_open is False
    refused({**CONTACT, "visitor_can_open": "no"}, "visitor_can_open")


# ------------------------------------------------------------------------------ field level


def test_field_name_rules() -> None:
    refused(form_with(name=...), "field: 'name' is required")
    refused(form_with(name="1abc"), '"name"]', "String should match pattern")
    refused(form_with(name="a b"), '"name"]')
    refused(form_with(name="x" * 65), '"name"]')
    for reserved in ("constructor", "__proto__", "toString", "_form", "hasOwnProperty"):
        refused(form_with(name=reserved), f"the name '{reserved}' is reserved")
    assert parse_forms([form_with(name="user.first-name_2")])


def test_label_and_type_required() -> None:
    refused(form_with(label=...), '"label"]', "Field required")
    refused(form_with(label="  "), "must not be empty")
    refused(form_with(type="color"), '"type"]')
    refused(form_with(type=...), '"type"]')
    refused(form_with(required="yes"), '"required"]')
    refused(form_with(required=1), '"required"]')


@pytest.mark.parametrize("kind", ["select", "radio"])
def test_options_rules(kind: str) -> None:
    refused(form_with(type=kind), f"'options' must be a non-empty list for {kind} fields")
    refused(form_with(type=kind, options=[]), "non-empty list")
    refused(form_with(type=kind, options=["A", {"value": "A", "label": "a"}]),
            "option values must be unique (repeated: ['A'])")
    refused(form_with(type=kind, options=[" "]), "must not be empty")
    refused(form_with(type=kind, options=[{"label": "x"}]), "value")
    refused(form_with(type=kind, options=[1]), "options")
    refused(form_with(type=kind, options=["A"], default_value="B"),
            "'default_value' must be one of the option values")
    ok = parse_forms([form_with(type=kind, options=["A", {"value": "B"}], default_value="B")])
    assert ok[0].all_fields()[0].option_values == ["A", "B"]


def test_options_refused_on_other_types() -> None:
    refused(form_with(type="text", options=["A"]),
            "field 'f': 'options' is only allowed on select and radio fields")


def test_rows_rules() -> None:
    assert parse_forms([form_with(type="textarea", rows=50)])
    refused(form_with(type="textarea", rows=0), '"rows"]')
    refused(form_with(type="textarea", rows=51), '"rows"]')
    refused(form_with(type="textarea", rows=True), '"rows"]')
    refused(form_with(type="textarea", rows=2.0), '"rows"]')
    refused(form_with(type="text", rows=3), "'rows' is only allowed on textarea fields")


def test_pattern_must_work_in_javascript_and_python() -> None:
    assert parse_forms([form_with(pattern=r"^\d{3}-\d{4}$")])
    refused(form_with(pattern="("), '"pattern"]', "unterminated group")
    refused(form_with(pattern="(?P<x>a)"), "unsupported group syntax")
    refused(form_with(pattern=r"\A\d"), r"unsupported escape '\\A'")
    refused(form_with(pattern="a{,3}"), "escaped")
    refused(form_with(pattern="(?<=a+)b"), "look-behind requires fixed-width")
    refused(form_with(pattern=""), '"pattern"]')


def test_min_max_rules() -> None:
    assert parse_forms([form_with(type="number", min=-5, max=2.5)])
    assert parse_forms([form_with(type="text", min=2, max=2)])
    refused(form_with(type="number", min=3, max=2), "'min' must not be greater than 'max'")
    refused(form_with(type="number", min="3"), '"min"]')
    refused(form_with(type="number", max=True), '"max"]')
    refused(form_with(type="number", min=math.nan), '"min"]')
    refused(form_with(type="number", max=math.inf), '"max"]')
    refused(form_with(type="number", min=2**53), "safe in JavaScript")
    refused(form_with(type="number", min=[1]), '"min"]', "must be a number")
    refused(form_with(type="date", min=1), "'min'/'max' are only allowed on number")
    refused(form_with(type="checkbox", max=1), "'min'/'max' are only allowed")


def test_width_and_misc_types() -> None:
    field = parse_forms([form_with(width="half")])[0].all_fields()[0]
    assert field.width == "half"
    refused(form_with(width="third"), '"width"]')
    refused(form_with(placeholder=3), '"placeholder"]')
    refused(form_with(default_value=3), '"default_value"]')
    refused(form_with(type="checkbox", default_value="yes"), "checkbox 'default_value'")


def test_display_fields() -> None:
    display = {"type": "display", "label": "Read me"}
    assert parse_forms([{"id": "x", "title": "X", "fields": [display]}])
    named = FormField.model_validate({**display, "name": "note"})
    assert named.name == "note"
    refused(form_with(type="display", required=True), "display fields cannot be required")
    refused(form_with(type="display", pattern="a"), "'pattern' is not allowed on display")
    refused(form_with(type="display", options=["a"]), "'options' is not allowed on display")


def test_limits() -> None:
    many = [{"name": f"f{i}", "label": "F", "type": "text"} for i in range(201)]
    refused({"id": "x", "title": "X", "fields": many}, "at most 200")
    steps = [{"id": f"s{i}", "fields": many[i * 100 : (i + 1) * 100] or many[:1]}
             for i in range(3)]
    steps[2]["fields"] = [{"name": "zz", "label": "Z", "type": "text"}]
    refused({"id": "x", "title": "X", "steps": steps}, "at most 200 fields in total")
