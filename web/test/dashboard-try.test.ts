// The "Try it" page's transcripts: text replies (greeting first, tool notes, end) and a voice
// call's captions merged by id.
import { describe, expect, it } from "vitest";
import { addNote, addReply, addUserMessage, callStatusText, mergeCaption, speakerLabel, type Line } from "../src/dashboard/state/transcript";

const texts = (ls: Line[]): string[] => ls.map((l) => `${l.role}:${l.text}${l.final ? "" : "…"}`);

describe("text transcript", () => {
  it("puts the greeting before the first message and the reply after it", () => {
    let ls = addUserMessage([], "t1", "  When are you open? ");
    ls = addReply(ls, "t1r", { reply: "Nine to five.", greeting: "Hi, I'm Ada.", ended: false, toolCalls: [] });
    expect(texts(ls)).toEqual(["agent:Hi, I'm Ada.", "user:When are you open?", "agent:Nine to five."]);
    // A later greeting (none is sent, but if) is not repeated.
    ls = addReply(addUserMessage(ls, "t2", "Thanks"), "t2r", { reply: "Bye!", greeting: "Hi, I'm Ada.", ended: true, toolCalls: [{ name: "end_call" }] });
    expect(texts(ls).slice(3)).toEqual(["user:Thanks", "note:Used the tool end_call", "agent:Bye!", "note:The agent ended the conversation."]);
    expect(new Set(ls.map((l) => l.id)).size).toBe(ls.length);
  });

  it("skips an empty reply", () => {
    expect(addReply([], "r", { reply: "  ", ended: false, toolCalls: [] })).toEqual([]);
    expect(texts(addNote([], "n", "Call ended"))).toEqual(["note:Call ended"]);
  });
});

describe("voice captions", () => {
  it("updates a line by id and appends new ids in order", () => {
    let ls: Line[] = [];
    ls = mergeCaption(ls, { id: "a1", role: "agent", text: "", final: false });
    expect(ls).toEqual([]);
    ls = mergeCaption(ls, { id: "a1", role: "agent", text: "Hello", final: false });
    ls = mergeCaption(ls, { id: "a1", role: "agent", text: "Hello, how can", final: false });
    ls = mergeCaption(ls, { id: "u1", role: "user", text: "Hi", final: false });
    ls = mergeCaption(ls, { id: "a1", role: "agent", text: "Hello, how can I help?", final: true });
    ls = mergeCaption(ls, { id: "u1", role: "user", text: "Hi there", final: true });
    expect(texts(ls)).toEqual(["agent:Hello, how can I help?", "user:Hi there"]);
  });

  it("keeps the last words while a caption blanks out, drops a final empty line", () => {
    let ls = mergeCaption([], { id: "u1", role: "user", text: "Hmm", final: false });
    ls = mergeCaption(ls, { id: "u1", role: "user", text: "", final: false });
    expect(texts(ls)).toEqual(["user:Hmm…"]);
    ls = mergeCaption(ls, { id: "u1", role: "user", text: "", final: true });
    expect(ls).toEqual([]);
  });

  it("does not change the list it was given", () => {
    const before: Line[] = [{ id: "a1", role: "agent", text: "x", final: false }];
    mergeCaption(before, { id: "a1", role: "agent", text: "xy", final: true });
    expect(before[0]!.text).toBe("x");
  });
});

describe("labels", () => {
  it("reads the call's state", () => {
    expect(callStatusText("idle")).toContain("Press Call");
    expect(callStatusText("connected")).toBe("Connected · speak now");
    expect(callStatusText("connected", true)).toBe("Connected · the agent is speaking");
    expect(callStatusText("failed")).toBe("The call failed.");
    expect(speakerLabel("user", "Ada")).toBe("You");
    expect(speakerLabel("agent", "Ada")).toBe("Ada");
    expect(speakerLabel("note", "Ada")).toBe("");
  });
});

describe("forms in a text conversation", () => {
  it("shows the first offered form that has a definition", async () => {
    const { formToShow } = await import("../src/dashboard/state/transcript");
    const form = { id: "contact", title: "Contact", fields: [] };
    expect(formToShow([])).toBeNull();
    expect(formToShow([{ form_id: "gone" }])).toBeNull();
    expect(formToShow([{ form_id: "gone" }, { form_id: "contact", form, prefill: { name: "Ada" } }])).toEqual({
      form_id: "contact", form, prefill: { name: "Ada" },
    });
  });

  it("notes the outcome", async () => {
    const { formOutcomeNote } = await import("../src/dashboard/state/transcript");
    expect(formOutcomeNote({ status: "submitted", form_id: "contact" })).toBe("Form contact submitted");
    expect(formOutcomeNote({ status: "cancelled", form_id: "contact" })).toBe("Form contact closed without sending");
  });
});
