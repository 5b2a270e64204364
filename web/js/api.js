// The HTTP client: bearer token (refreshed and retried once on a 401), JSON, ETags for If-Match, and the API's
// problem+json errors turned into ApiError (status, detail, field errors).

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

// token(): the access token to send (async: it may be refreshed first); renew(used): after a 401 with
// `used`, the token to retry once with, or null; onUnauthorized(error): the API refused the session.
const session = { base: "", token: async () => "", renew: null, onUnauthorized: null };

export function configure({ base, token, renew, onUnauthorized }) {
  session.base = base.replace(/\/+$/, "");
  session.token = token;
  session.renew = renew || null;
  session.onUnauthorized = onUnauthorized || null;
}

export function apiBase() {
  return session.base;
}

/** "/accounts" + {limit: 25, tag: ""} → "/accounts?limit=25" (empty values are left out). */
export function withQuery(path, query = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * request("PATCH", "/accounts/1", {body, version, signal}) → {data, etag, status}.
 * version becomes If-Match, so a stale edit answers 412 instead of overwriting.
 */
export async function request(method, path, { body, version, signal, raw, contentType } = {}) {
  const headers = {};
  if (version !== undefined && version !== null) headers["If-Match"] = `"${version}"`;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    headers["Content-Type"] = contentType || "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  const send = async (token) => {
    try {
      return await fetch(session.base + path, { method, headers: { ...headers, Authorization: `Bearer ${token}` }, body: payload, signal });
    } catch (err) {
      if (err && err.name === "AbortError") throw err;
      throw new ApiError(0, { title: "network", detail: "" });
    }
  };
  const token = await session.token();
  let response = await send(token);
  if (response.status === 401 && session.renew) {
    // the access token may have expired meanwhile: one refresh, one retry, before giving up
    const renewed = await session.renew(token);
    if (renewed) response = await send(renewed);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { detail: text };
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data || {});
    if (response.status === 401 && session.onUnauthorized) session.onUnauthorized(error);
    throw error;
  }
  return { data, etag: response.headers.get("ETag"), status: response.status };
}

export const get = (path, options) => request("GET", path, options).then((r) => r.data);

/**
 * Every page of a catalogue (tags, members, custom fields): these answer the
 * whole catalogue with next_cursor null today and take no limit; following
 * the cursor keeps the page whole should they ever be paged.
 */
export async function getAll(path) {
  const items = [];
  let cursor = null;
  do {
    const page = await get(withQuery(path, { cursor }));
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

// Pydantic names the branch of a tagged union in the path ("contacts.0.new.emails"): not a field.
const UNION_TAGS = new Set(["new", "existing"]);

/** Field errors keyed by their path without "body": {"name": "...", "address.country": "..."}. */
export function fieldErrors(error) {
  const out = {};
  for (const e of error.errors || []) {
    const loc = (e.loc || []).filter((part, i) => !(i === 0 && part === "body") && !UNION_TAGS.has(part));
    const key = loc.join(".");
    if (!(key in out)) out[key] = e.msg;
  }
  return out;
}
