/**
 * Build-time stand-in for `bowser` (33 kB), which `@pipecat-ai/client-js` uses only to fill the
 * informational `about` block of its `client-ready` message (browser, engine, OS). A few
 * regular expressions give the same fields for the browsers a voice widget supports.
 */

interface Parsed {
  browser: { name?: string; version?: string };
  engine: { name?: string };
  os: { name?: string; version?: string };
  platform: { type?: string };
}

function match(ua: string, re: RegExp): string | undefined {
  return re.exec(ua)?.[1];
}

export function parse(ua: string): Parsed {
  const out: Parsed = { browser: {}, engine: {}, os: {}, platform: {} };
  const browsers: [string, RegExp][] = [
    ["Microsoft Edge", /Edg(?:e|A|iOS)?\/([\d.]+)/],
    ["Opera", /OPR\/([\d.]+)/],
    ["Samsung Internet for Android", /SamsungBrowser\/([\d.]+)/],
    ["Firefox", /(?:Firefox|FxiOS)\/([\d.]+)/],
    ["Chrome", /(?:Chrome|CriOS)\/([\d.]+)/],
    ["Safari", /Version\/([\d.]+).*Safari\//],
  ];
  for (const [name, re] of browsers) {
    const version = match(ua, re);
    if (version !== undefined) {
      out.browser = { name, version };
      break;
    }
  }
  if (!out.browser.name && /Safari\//.test(ua)) out.browser = { name: "Safari" };
  const engine = /Gecko\/\d/.test(ua) && /Firefox/.test(ua) ? "Gecko" : /Chrome\//.test(ua) ? "Blink" : /AppleWebKit/.test(ua) ? "WebKit" : undefined;
  if (engine) out.engine.name = engine;
  const oses: [string, RegExp][] = [
    ["Windows", /Windows NT ([\d.]+)/],
    ["iOS", /(?:iPhone|iPad|iPod).*OS ([\d_]+)/],
    ["Android", /Android ([\d.]+)/],
    ["macOS", /Mac OS X ([\d_.]+)/],
    ["Chrome OS", /CrOS \S+ ([\d.]+)/],
    ["Linux", /(Linux)/],
  ];
  for (const [name, re] of oses) {
    const version = match(ua, re);
    if (version !== undefined) {
      out.os = name === "Linux" ? { name } : { name, version: version.replace(/_/g, ".") };
      break;
    }
  }
  out.platform.type = /iPad|Tablet/.test(ua) ? "tablet" : /Mobi|iPhone|Android/.test(ua) ? "mobile" : "desktop";
  return out;
}

export default { parse };
