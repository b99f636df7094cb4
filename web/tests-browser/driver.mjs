// Headless Chromium for the Python browser tests (tests/web/), driven by playwright-core.
//
// Protocol: one JSON object per stdin line, {id, cmd, args}; one JSON line per answer on
// stdout, {id, ok: true, result} or {id, ok: false, error}. Commands run in order.
// Playwright's CSS selectors pierce open shadow roots, so `.launcher` finds the widget's
// button inside its shadow root.
//
// Uses Debian's chromium (never downloads a browser): OSHARA_CHROMIUM overrides the path.

import { readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const EXECUTABLE = process.env.OSHARA_CHROMIUM || "/usr/bin/chromium";
const BASE_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const DEFAULT_TIMEOUT = 10_000;

let browser = null;
let context = null;
let page = null;
const consoleLines = [];
const requests = [];
const responses = [];
const routeLogs = new Map();

function requirePage() {
  if (!page) throw new Error("call launch first");
  return page;
}

function loc(selector) {
  return requirePage().locator(selector);
}

const commands = {
  async launch({
    permissions = [],
    fakeMedia = false,
    fakeAudioFile = null,
    initScripts = [],
    viewport = { width: 1280, height: 800 },
    reducedMotion = "no-preference",
  } = {}) {
    const args = [...BASE_ARGS];
    // A fake microphone; whether the page may use it is up to `permissions` ("microphone").
    if (fakeMedia || fakeAudioFile) args.push("--use-fake-device-for-media-stream");
    if (fakeAudioFile) {
      // The fake microphone plays this WAV file ("path%noloop": once, then silence) and the
      // permission prompt is answered automatically.
      args.push("--use-fake-ui-for-media-stream", `--use-file-for-fake-audio-capture=${fakeAudioFile}`);
    }
    browser = await chromium.launch({ executablePath: EXECUTABLE, headless: true, args });
    context = await browser.newContext({ viewport, reducedMotion, permissions });
    context.setDefaultTimeout(DEFAULT_TIMEOUT);
    // Scripts (file paths) evaluated in every page before its own scripts, e.g. probes.
    for (const path of initScripts) await context.addInitScript({ path });
    page = await context.newPage();
    page.on("console", (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
    page.on("pageerror", (err) => consoleLines.push(`pageerror: ${err.message}`));
    page.on("request", (req) => requests.push({ method: req.method(), url: req.url() }));
    page.on("response", (res) => responses.push({ method: res.request().method(), url: res.url(), status: res.status() }));
    return { version: browser.version() };
  },
  async goto({ url }) {
    const res = await requirePage().goto(url, { waitUntil: "load" });
    return { status: res ? res.status() : null };
  },
  async click({ selector }) {
    await loc(selector).click();
    return null;
  },
  async fill({ selector, value }) {
    await loc(selector).fill(value);
    return null;
  },
  async check({ selector, checked = true }) {
    await loc(selector).setChecked(checked);
    return null;
  },
  async select({ selector, value }) {
    await loc(selector).selectOption(value);
    return null;
  },
  async press({ key, selector }) {
    if (selector) await loc(selector).press(key);
    else await requirePage().keyboard.press(key);
    return null;
  },
  async text({ selector }) {
    return (await loc(selector).innerText()).trim();
  },
  async texts({ selector }) {
    return (await loc(selector).allInnerTexts()).map((t) => t.trim());
  },
  async value({ selector }) {
    return await loc(selector).inputValue();
  },
  async isChecked({ selector }) {
    return await loc(selector).isChecked();
  },
  async visible({ selector }) {
    return await loc(selector).isVisible();
  },
  async count({ selector }) {
    return await loc(selector).count();
  },
  async attr({ selector, name }) {
    return await loc(selector).getAttribute(name);
  },
  async style({ selector, prop }) {
    return await loc(selector).evaluate((el, p) => getComputedStyle(el).getPropertyValue(p), prop);
  },
  async box({ selector }) {
    return await loc(selector).boundingBox();
  },
  async wait({ selector, state = "visible", timeout = DEFAULT_TIMEOUT }) {
    await loc(selector).first().waitFor({ state, timeout });
    return null;
  },
  async waitText({ selector, text, timeout = DEFAULT_TIMEOUT }) {
    const deadline = Date.now() + timeout;
    let last = "";
    while (Date.now() < deadline) {
      const l = loc(selector);
      if ((await l.count()) > 0) {
        last = (await l.first().innerText()).trim();
        if (last.includes(text)) return last;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${JSON.stringify(text)} in ${selector}; last text: ${JSON.stringify(last)}`);
  },
  async screenshot({ path, selector, fullPage = false }) {
    if (selector) await loc(selector).screenshot({ path, animations: "disabled" });
    else await requirePage().screenshot({ path, fullPage, animations: "disabled" });
    return path;
  },
  async download({ selector, timeout = DEFAULT_TIMEOUT }) {
    // Click `selector` and return the file the page downloads (a Blob URL link too).
    const [file] = await Promise.all([requirePage().waitForEvent("download", { timeout }), loc(selector).click()]);
    return { name: file.suggestedFilename(), text: await readFile(await file.path(), "utf8") };
  },
  async eval({ expr }) {
    // `expr` is an async function body; its return value must be JSON-serialisable.
    const fn = new Function(`return (async () => { ${expr} })();`);
    return await requirePage().evaluate(fn);
  },
  async evalStart({ name, expr }) {
    // Start an async expression without waiting; collect its result later with evalResult.
    await requirePage().evaluate(
      ([n, e]) => {
        window.__osharaPending = window.__osharaPending || {};
        const fn = new Function(`return (async () => { ${e} })();`);
        window.__osharaPending[n] = fn().then(
          (value) => ({ ok: true, value }),
          (error) => ({ ok: false, error: String(error) }),
        );
      },
      [name, expr],
    );
    return null;
  },
  async evalResult({ name, timeout = DEFAULT_TIMEOUT }) {
    return await requirePage().evaluate(
      ([n, t]) => Promise.race([window.__osharaPending[n], new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), t))]),
      [name, timeout],
    );
  },
  async focused() {
    return await requirePage().evaluate(() => {
      let el = document.activeElement;
      while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
      if (!el) return null;
      return {
        tag: el.tagName.toLowerCase(),
        id: el.id || null,
        name: el.getAttribute("name"),
        label: el.getAttribute("aria-label"),
        text: (el.textContent || "").trim().slice(0, 80),
        className: typeof el.className === "string" ? el.className : null,
      };
    });
  },
  // Answers requests matching `pattern` with `body` (or, with `bodies`, each body in turn,
  // the last one repeated); `methods` limits it to some methods (others go to the network).
  async route({ pattern, status = 200, body = "", bodies = null, methods = null, contentType = "application/json", headers = {} }) {
    const log = [];
    routeLogs.set(pattern, log);
    let answered = 0;
    await requirePage().route(pattern, async (route) => {
      if (methods && route.request().method() !== "OPTIONS" && !methods.includes(route.request().method())) {
        await route.continue();
        return;
      }
      const req = route.request();
      log.push({ method: req.method(), url: req.url(), headers: await req.allHeaders(), body: req.postData() });
      if (req.method() === "OPTIONS") {
        await route.fulfill({
          status: 204,
          headers: {
            "access-control-allow-origin": "*",
            "access-control-allow-methods": "GET, POST, PATCH, OPTIONS",
            "access-control-allow-headers": "Authorization, Content-Type",
          },
        });
        return;
      }
      const answer = bodies ? bodies[Math.min(answered++, bodies.length - 1)] : body;
      await route.fulfill({
        status,
        body: typeof answer === "string" ? answer : JSON.stringify(answer),
        contentType,
        headers: { "access-control-allow-origin": "*", ...headers },
      });
    });
    return null;
  },
  async routeLog({ pattern }) {
    return routeLogs.get(pattern) ?? [];
  },
  async requests() {
    return requests;
  },
  async responses() {
    return responses;
  },
  async console() {
    return consoleLines;
  },
  async setViewport({ width, height }) {
    await requirePage().setViewportSize({ width, height });
    return null;
  },
  async close() {
    if (browser) await browser.close();
    browser = context = page = null;
    return null;
  },
};

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
let queue = Promise.resolve();
rl.on("line", (line) => {
  queue = queue.then(async () => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      process.stdout.write(JSON.stringify({ id: null, ok: false, error: `bad JSON: ${err}` }) + "\n");
      return;
    }
    const handler = commands[msg.cmd];
    let answer;
    if (!handler) answer = { id: msg.id, ok: false, error: `unknown command ${msg.cmd}` };
    else {
      try {
        const result = await handler(msg.args ?? {});
        answer = { id: msg.id, ok: true, result: result === undefined ? null : result };
      } catch (err) {
        answer = { id: msg.id, ok: false, error: String(err && err.message ? err.message : err) };
      }
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  });
});
rl.on("close", () => {
  queue.then(async () => {
    if (browser) await browser.close().catch(() => {});
    process.exit(0);
  });
});
