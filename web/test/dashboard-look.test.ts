import { describe, expect, it } from "vitest";
import { checkLook, expandHex, isHexColor, lookErrorKey, lookFromAgent, lookUpdate } from "../src/dashboard/state/look";

describe("Look page logic", () => {
  it("validates and expands hex colours", () => {
    expect(isHexColor("#4F46E5")).toBe(true);
    expect(isHexColor("#abc")).toBe(true);
    expect(isHexColor("red")).toBe(false);
    expect(isHexColor("#abcd")).toBe(false);
    expect(expandHex("#AbC")).toBe("#aabbcc");
    expect(expandHex("nope")).toBeUndefined();
  });
  it("reads the appearance and writes a PATCH merging the theme", () => {
    const v = lookFromAgent({ widget_appearance: { name: null, theme: { primary_color: "#112233", position: "bottom-left", font_family: "Inter" }, forms: [] } });
    expect(v).toEqual({ name: "", primary_color: "#112233", position: "bottom-left" });
    expect(lookUpdate({ ...v, name: " Helper ", primary_color: "#ABC" })).toEqual({
      widget_appearance: { name: "Helper", theme: { primary_color: "#aabbcc", position: "bottom-left" } },
    });
    expect(lookUpdate({ ...v, primary_color: "" }).widget_appearance?.theme).toEqual({ primary_color: null, position: "bottom-left" });
  });
  it("checks fields and maps server errors", () => {
    expect(checkLook({ name: "", primary_color: "green", position: "bottom-right" })).toHaveProperty("primary_color");
    expect(checkLook({ name: "", primary_color: "", position: "bottom-right" })).toEqual({});
    expect(lookErrorKey("widget_appearance.theme.primary_color")).toBe("primary_color");
    expect(lookErrorKey("widget_appearance.name")).toBe("name");
    expect(lookErrorKey("tools[0]")).toBeUndefined();
  });
});
