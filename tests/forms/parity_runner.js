// Long-lived JSON-lines bridge to the guide's validate() and to raw JavaScript semantics.
// One JSON object per stdin line, one JSON line per answer on stdout, in order.
//   {fields, values}                      -> {errors}   (op "validate", the default)
//   {op: "regex", pattern, inputs}        -> {ok: true, results: [bool]} | {ok: false, error}
//   {op: "prims", strings, values}        -> {number: [...], trim: [...], tostring: [...]}
// Any exception is answered with {exception: message}.
"use strict";

const fs = require("fs");
const path = require("path");
const readline = require("readline");

// The guide's validate(), verbatim, from the one copy the guide-replay tests keep in sync
// with the guide itself (tests/guide/pattern5_validate.js).
const guideSource = fs.readFileSync(path.join(__dirname, "..", "guide", "pattern5_validate.js"), "utf8");
const validate = new Function(`${guideSource}\nreturn validate;`)();

function numberText(n) {
  return Object.is(n, -0) ? "-0" : String(n);
}

function handle(msg) {
  const op = msg.op ?? "validate";
  if (op === "validate") {
    return { errors: validate(msg.fields, msg.values) };
  }
  if (op === "regex") {
    let re;
    try {
      re = new RegExp(msg.pattern);
    } catch (e) {
      return { ok: false, error: String(e.message) };
    }
    return { ok: true, results: msg.inputs.map((s) => re.test(s)) };
  }
  if (op === "prims") {
    return {
      number: msg.strings.map((s) => numberText(Number(s))),
      trim: msg.strings.map((s) => s.trim()),
      tostring: msg.values.map((v) => (v ?? "").toString()),
    };
  }
  throw new Error(`unknown op ${op}`);
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  let answer;
  try {
    answer = handle(JSON.parse(line));
  } catch (e) {
    answer = { exception: String(e && e.stack ? e.stack : e) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
});
