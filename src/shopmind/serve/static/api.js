/* shopmind pages: who the visitor is, and talking to our own API (loaded after i18n.js).
 *
 * Identity: the browser keeps a visitor id and a session id in localStorage. A generated
 * visitor id is "anonymous" (the server has no history for it, so recommendations are asked
 * for the session's own events); "switch" lets a demo user act as a known user id, whose
 * recommendations come from the user route (the server adds the events it has logged).
 */
"use strict";

Object.assign(SM, (() => {
  const { t } = SM;
  const LS_VISITOR = "shopmind.visitor";
  const LS_SESSION = "shopmind.session";
  const LS_EVENTS = "shopmind.sessionEvents";
  // item -> the X-Request-ID of the response a click on it came from, so the cart/purchase of that
  // item later (on its product page) names the same response: experiments credit exactly that one
  const LS_SOURCES = "shopmind.eventSources";
  const MAX_SOURCES = 50;
  const SESSION_IDLE_MS = 30 * 60 * 1000; // a new session after 30 idle minutes (the usual analytics rule)
  const MAX_SESSION_EVENTS = 50;

  function randomId(prefix) {
    const bytes = new Uint8Array(8);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return prefix + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function readJSON(key, fallback) {
    try {
      const v = JSON.parse(localStorage.getItem(key));
      return v === null || v === undefined ? fallback : v;
    } catch (_e) {
      return fallback;
    }
  }

  function writeJSON(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (_e) {
      /* private mode / quota: the page still works, it just forgets */
    }
  }

  function visitor() {
    let v = readJSON(LS_VISITOR, null);
    if (!v || typeof v.id !== "string" || !v.id) {
      v = { id: randomId("anon-"), known: false };
      writeJSON(LS_VISITOR, v);
    }
    return v;
  }

  function setVisitor(id) {
    const clean = String(id || "").trim();
    const v = clean ? { id: clean, known: true } : { id: randomId("anon-"), known: false };
    writeJSON(LS_VISITOR, v);
    newSession();
    return v;
  }

  function newSession() {
    const s = { id: randomId("s-"), last: Date.now() };
    writeJSON(LS_SESSION, s);
    writeJSON(LS_EVENTS, []);
    return s;
  }

  function session() {
    const s = readJSON(LS_SESSION, null);
    if (!s || !s.id || Date.now() - (s.last || 0) > SESSION_IDLE_MS) return newSession();
    s.last = Date.now();
    writeJSON(LS_SESSION, s);
    return s;
  }

  function sessionEvents() {
    session(); // expire first, so stale events are not used
    const evs = readJSON(LS_EVENTS, []);
    return Array.isArray(evs) ? evs : [];
  }

  function key() {
    const m = document.querySelector('meta[name="shopmind-key"]');
    return m ? m.getAttribute("content") || "" : "";
  }

  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.message || t("api.failed", { status: status }));
      this.status = status;
      this.code = err.code || "http_" + status;
      this.field = err.field || null;
    }
  }

  /**
   * fetch JSON from our own API; errors become ApiError with the server's message. Requests carry
   * the storefront key (catalog reads work when the server requires a key) unless
   * `storefront: false` — the dashboards' calls, authorised by their HttpOnly cookie instead.
   */
  /**
   * The server's storefront key of now, read from a fresh page's <meta name="shopmind-key"> and kept
   * in this page's meta for the calls that follow. Why: every `shopmind serve` start makes a new key,
   * so after a restart (a deploy) an open page's events were refused with 401 and lost, and the cart
   * said "not recorded", until the shopper reloaded.
   */
  async function refreshKey() {
    try {
      const resp = await fetch("/", { headers: { Accept: "text/html" }, credentials: "same-origin" });
      if (!resp.ok) return "";
      const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
      const meta = doc.querySelector('meta[name="shopmind-key"]');
      const fresh = meta ? meta.getAttribute("content") || "" : "";
      const mine = document.querySelector('meta[name="shopmind-key"]');
      if (fresh && mine) mine.setAttribute("content", fresh);
      return fresh;
    } catch (_e) {
      return "";
    }
  }

  async function api(path, options, retried) {
    const opts = Object.assign({ headers: {} }, options || {});
    opts.headers = Object.assign({ Accept: "application/json" }, opts.headers);
    const useKey = opts.storefront !== false;
    delete opts.storefront;
    if (useKey && key() && !opts.headers.Authorization) opts.headers.Authorization = "Bearer " + key();
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    let resp;
    try {
      resp = await fetch(path, opts);
    } catch (_e) {
      throw new ApiError(0, { error: { message: t("api.unreachable") } });
    }
    let body = null;
    const text = await resp.text();
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (_e) {
        body = null;
      }
    }
    if (resp.status === 401 && useKey && !retried) {
      // the storefront key this page was served with is refused: the server restarted since
      const stale = key();
      const fresh = await refreshKey();
      if (fresh && fresh !== stale) {
        const again = Object.assign({}, options || {});
        again.headers = Object.assign({}, again.headers || {}, { Authorization: "Bearer " + fresh });
        return api(path, again, true);
      }
    }
    if (!resp.ok) throw new ApiError(resp.status, body);
    const rid = resp.headers.get("X-Request-ID");
    if (rid && body && typeof body === "object" && !Array.isArray(body)) {
      // not enumerable: the body's own keys stay what the server sent (clicks echo it as request_id)
      Object.defineProperty(body, "requestId", { value: rid, enumerable: false });
    }
    return body;
  }

  function query(params) {
    const usp = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined || v === null || v === "" || v === false) continue;
      if (Array.isArray(v)) v.forEach((x) => usp.append(k, x));
      else usp.append(k, v);
    }
    const s = usp.toString();
    return s ? "?" + s : "";
  }

  let eventCounter = 0;

  /**
   * Record behaviour: remembered locally for the session (anonymous recommendations) and sent to
   * POST /v1/events with the storefront key. Resolves to the server's answer (or null when the
   * page has no key / the send failed: the page keeps working either way).
   */
  async function track(type, itemId, extra) {
    const v = visitor();
    const s = session();
    const ts = new Date().toISOString();
    if (itemId) {
      const evs = sessionEvents().concat([{ item_id: itemId, type: type, timestamp: ts }]);
      writeJSON(LS_EVENTS, evs.slice(-MAX_SESSION_EVENTS));
    }
    const sources = readJSON(LS_SOURCES, {});
    if (itemId && extra && extra.request_id) {
      delete sources[itemId]; // re-inserted last: the map keeps the newest MAX_SOURCES items
      sources[itemId] = extra.request_id;
      const keep = Object.keys(sources).slice(-MAX_SOURCES);
      writeJSON(LS_SOURCES, Object.fromEntries(keep.map((k) => [k, sources[k]])));
    } else if (itemId && (type === "add_to_cart" || type === "purchase") && sources[itemId]) {
      extra = Object.assign({ request_id: sources[itemId] }, extra || {});
    }
    const ev = Object.assign(
      {
        event_id: v.id + "-" + Date.now().toString(36) + "-" + (eventCounter++).toString(36) + randomId("-"),
        type: type,
        user_id: v.id,
        session_id: s.id,
        item_id: itemId || null,
        timestamp: ts,
      },
      extra || {}
    );
    const k = key();
    if (!k) return null;
    try {
      return await api("/v1/events", {
        method: "POST",
        json: { events: [ev] },
        headers: { Authorization: "Bearer " + k, "Idempotency-Key": ev.event_id },
        keepalive: true,
      });
    } catch (e) {
      console.warn("event not recorded:", e.message);
      return null;
    }
  }

  /** Recommendations for this visitor: the user route when known or without history, else the session route. */
  async function forYou(k, filters) {
    const v = visitor();
    const evs = sessionEvents();
    if (!v.known && evs.length) {
      const body = await api("/v1/sessions/recommendations", { method: "POST", json: { events: evs, k: k } });
      return Object.assign({ mode: "session", requestId: body.requestId }, body);
    }
    const body = await api(
      "/v1/users/" + encodeURIComponent(v.id) + "/recommendations" + query(Object.assign({ k: k }, filters || {}))
    );
    return Object.assign({ mode: v.known ? "user" : "new-visitor", requestId: body.requestId }, body);
  }

  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise((r) => setTimeout(r, ms))]);
  }

  async function clickThrough(itemId, href, extra) {
    await withTimeout(track("click", itemId, extra), 1500);
    window.location.href = href;
  }

  /** The release serves search while its recommendations are still being fitted (a progressive
   * build publishes them a moment later): such an answer is worth asking again, any other is not. */
  function stillBuilding(e) {
    return e instanceof ApiError && e.status === 503 && e.code === "no_recommender" && /still being built/.test(e.message);
  }

  return {
    api, query, track, forYou, clickThrough, visitor, setVisitor, session, sessionEvents, key, ApiError,
    withTimeout, stillBuilding,
  };
})());
