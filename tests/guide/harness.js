// Prelude for running the API guide's JavaScript snippets in Node against a live server.
//
// tests/test_guide_replay.py appends the snippets (with only the base URL changed) and a small
// driver to this file and runs the result with `node`. It prints one JSON line:
//   {"result": <what the driver returned>, "requests": [<every fetch the snippets made>]}
// or {"error": "<stack>"} (exit code 1) if anything threw.
//
// Environment:
//   OSHARA_TOKEN     the access token the guide's snippets read (as OSHARA_TOKEN and
//                    process.env.OSHARA_TOKEN)
//   BROWSER_ORIGIN   set for snippets that run in a browser page (Pattern 5): every request
//                    then carries that Origin header, as a browser on that site would send it.
//                    Server-side snippets (Patterns 1, 3, 4) run without it.

"use strict";

const OSHARA_TOKEN = process.env.OSHARA_TOKEN;

function __parse(text) {
  if (text === undefined || text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// -- fetch recorder: the real fetch, plus a log of what was sent and answered ----------------
const __requests = [];
const __nativeFetch = globalThis.fetch;
globalThis.fetch = async (input, init = {}) => {
  const url = String(input);
  const headers = new Headers(init.headers ?? {});
  if (process.env.BROWSER_ORIGIN && !headers.has("origin")) {
    headers.set("Origin", process.env.BROWSER_ORIGIN);
  }
  const res = await __nativeFetch(url, { ...init, headers });
  const text = await res.clone().text();
  const body = __parse(text);
  __requests.push({
    method: (init.method ?? "GET").toUpperCase(),
    url,
    request_headers: Object.fromEntries(headers),
    request_body: __parse(init.body),
    status: res.status,
    response_headers: Object.fromEntries(res.headers),
    body,
  });
  return res;
};

// -- a minimal Express stand-in for the Pattern 1 backend snippet ----------------------------
const app = {
  routes: {},
  post(path, ...handlers) {
    this.routes[`POST ${path}`] = handlers;
  },
};

// The guide's `requireAuth` authenticates *your* users; here it only passes the request on.
function requireAuth(_req, _res, next) {
  next();
}

async function callRoute(method, path, req) {
  const handlers = app.routes[`${method} ${path}`];
  if (!handlers) throw new Error(`no route ${method} ${path}`);
  const res = {
    statusCode: 200,
    body: undefined,
    status(code) {
      this.statusCode = code;
      return this;
    },
    json(value) {
      this.body = value;
      return this;
    },
  };
  for (const handler of handlers) {
    let nextCalled = false;
    await handler(req, res, () => {
      nextCalled = true;
    });
    if (!nextCalled) break;
  }
  return { status: res.statusCode, body: res.body };
}

// -- the Pattern 3 sync job's CRM -------------------------------------------------------------
const crm = {
  leads: [],
  async createLead(lead) {
    this.leads.push(lead);
  },
};
