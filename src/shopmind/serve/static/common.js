/* shopmind pages: shared helpers (no framework, no build step, nothing from other hosts).
 *
 * Identity: the browser keeps a visitor id and a session id in localStorage. A generated
 * visitor id is "anonymous" (the server has no history for it, so recommendations are asked
 * for the session's own events); "switch" lets a demo user act as a known user id, whose
 * recommendations come from the user route (the server adds the events it has logged).
 */
"use strict";

const SM = (() => {
  const LS_VISITOR = "shopmind.visitor";
  const LS_SESSION = "shopmind.session";
  const LS_EVENTS = "shopmind.sessionEvents";
  // item -> the X-Request-ID of the response a click on it came from, so the cart/purchase of that
  // item later (on its product page) names the same response: experiments credit exactly that one
  const LS_SOURCES = "shopmind.eventSources";
  const MAX_SOURCES = 50;
  const SESSION_IDLE_MS = 30 * 60 * 1000; // a new session after 30 idle minutes (the usual analytics rule)
  const MAX_SESSION_EVENTS = 50;

  /* ------------------------------------------------------------------ language
   * The page's words come from the server's message catalog (serve/i18n/<lang>.json), put in the
   * page as JSON in <meta name="shopmind-messages"> for the page's language (serve/i18n.py
   * chose it; a meta, as the page's CSP and tests allow no inline script): scripts never hold
   * their own English. t("key", {name: value}) fills {name} placeholders; a key the catalog
   * lacks is shown as the key itself and logged, so a missing translation is visible, not blank.
   */
  const I18N = (() => {
    const node = document.querySelector('meta[name="shopmind-messages"]');
    try {
      return (node && JSON.parse(node.getAttribute("content"))) || {};
    } catch (_e) {
      return {};
    }
  })();
  const LANG = I18N.lang || document.documentElement.lang || "en";
  const MESSAGES = I18N.messages || {};

  function t(key, params) {
    let text = MESSAGES[key];
    if (text === undefined) {
      console.warn("no message for", key);
      return key;
    }
    if (params) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
    return text;
  }

  /** t() of ``key + ".one"`` or ``".other"`` by n (English counts; Chinese has both the same). */
  function tn(key, n, params) {
    return t(key + (Number(n) === 1 ? ".one" : ".other"), Object.assign({ n: num(n) }, params || {}));
  }

  /** t() as DOM: a parameter that is a node (a name marked translate="no", a <code>) goes into the
   * sentence as that node, where the language puts it; other parameters as text. */
  function tf(key, params) {
    const out = document.createDocumentFragment();
    const text = MESSAGES[key] === undefined ? t(key) : MESSAGES[key];
    text.split(/(\{\w+\})/).forEach((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      const v = m && params && m[1] in params ? params[m[1]] : null;
      if (v instanceof Node) out.appendChild(v);
      else if (part) out.appendChild(document.createTextNode(m && v !== null ? String(v) : part));
    });
    return out;
  }

  /** A name or id shown as it is in every language (a variant, a campaign): marked translate="no". */
  function name(text) {
    const span = document.createElement("span");
    span.setAttribute("translate", "no");
    span.textContent = String(text ?? "");
    return span;
  }

  /** An enumerated value the API writes in English (a status, an action, a segment) in the page's
   * language: the message ``prefix + value`` when the catalog has one, else the value as it is. */
  function term(prefix, value) {
    const text = MESSAGES[prefix + value];
    return text === undefined ? String(value ?? "") : text;
  }

  /** A share (0.125) as a percentage the page's language writes it: "12.5 %" / "12.5%". */
  function pct(share, digits) {
    if (share === null || share === undefined || isNaN(Number(share))) return "–";
    const text = (100 * Number(share)).toFixed(digits === undefined ? 1 : digits);
    return text + (LANG === "zh-Hans" ? "%" : " %");
  }

  /** A whole number as the page's language writes it ("12,800"). */
  function num(n) {
    return Number(n).toLocaleString(LANG);
  }

  /** A build stage as the banners show it: " (encoding products: 120 of 300, about 4 s left)";
   * the same words as the server renders first (pages.build_banner). */
  function stageText(st) {
    if (!st) return "";
    let what = String(st.name).replace(/ \(child process\)$/, "");
    if (st.total) what = t("banner.count", { name: what, done: st.done, total: st.total });
    if (st.eta_s !== null && st.eta_s !== undefined) what = t("banner.eta", { what: what, s: Math.round(st.eta_s) });
    return t("banner.stage", { what: what });
  }

  /**
   * A recommendation's reason in the page's language. The API words it in English from the
   * recommender's templates (recommend/explain.py, given to the page as reasonTemplates); the
   * item or category name it carries is taken back out of that sentence and put into this
   * language's template. The code's own template is tried first, then the others (a cold-start
   * item keeps the "Trending in X" sentence under its own code); a sentence no template matches
   * is shown as it came.
   */
  function reasonText(code, text) {
    const templates = I18N.reasonTemplates || {};
    if (!text || LANG === "en") return text || "";
    for (const c of [code].concat(Object.keys(templates))) {
      const params = templates[c] && MESSAGES["reason." + c] ? matchTemplate(templates[c], text) : null;
      if (params) return t("reason." + c, params);
    }
    return text;
  }

  /** The {title}/{category} values that make ``template`` read ``text``, or null. */
  function matchTemplate(template, text) {
    const names = [];
    const pattern = template.split(/(\{title\}|\{category\})/).map((p) => {
      if (p === "{title}" || p === "{category}") {
        names.push(p.slice(1, -1));
        return "([\\s\\S]+)";
      }
      return p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }).join("");
    const m = new RegExp("^" + pattern + "$").exec(text);
    if (!m) return null;
    const params = {};
    names.forEach((name, i) => (params[name] = m[i + 1]));
    return params;
  }

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
  async function api(path, options) {
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

  const SYMBOLS = { USD: "$", EUR: "€", GBP: "£", CNY: "¥", JPY: "¥" };

  function money(price, currency) {
    if (price === null || price === undefined || price === "" || isNaN(Number(price))) return "";
    const n = Number(price);
    if (currency) {
      try {
        return new Intl.NumberFormat(LANG, { style: "currency", currency: currency }).format(n);
      } catch (_e) {
        /* unknown code: fall through */
      }
    }
    return (SYMBOLS[currency] || "") + n.toFixed(2) + (currency && !SYMBOLS[currency] ? " " + currency : "");
  }

  /** A URL safe to put in href/src: same-origin paths, fragments and http(s) only (never javascript:, data:). */
  function safeUrl(u) {
    const s = String(u);
    if (/^(#|\/(?!\/)|\?)/.test(s)) return s;
    try {
      const parsed = new URL(s, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : "#";
    } catch (_e) {
      return "#";
    }
  }

  /**
   * Create an element: el("a", {href: "/", class: "x"}, ["text", child]). Text is never parsed as
   * HTML; URLs pass safeUrl; `style` is an object applied through the CSSOM (the page's CSP forbids
   * style attributes); event handlers are functions only (never strings of code).
   */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) {
        if (typeof v === "function") node.addEventListener(k.slice(2), v);
      } else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "style") Object.assign(node.style, v);
      else if (k === "href" || k === "src" || k === "action") node.setAttribute(k, safeUrl(v));
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of [].concat(children || [])) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return node;
  }

  /**
   * Server highlights are HTML (escaped text + <mark>). Parse them inertly and rebuild with text
   * nodes and <mark> only, so nothing else the catalog contains can become markup.
   */
  function highlightNodes(html) {
    const doc = new DOMParser().parseFromString("<body>" + String(html) + "</body>", "text/html");
    const out = document.createDocumentFragment();
    doc.body.childNodes.forEach((n) => {
      if (n.nodeType === 1 && n.nodeName === "MARK") out.appendChild(el("mark", {}, [n.textContent]));
      else out.appendChild(document.createTextNode(n.textContent));
    });
    return out;
  }

  /** Text with `backticked` parts shown as <code> (built as text nodes: nothing is parsed). */
  function richText(text) {
    const out = document.createDocumentFragment();
    String(text).split("`").forEach((part, i) => {
      if (!part) return;
      out.appendChild(i % 2 ? el("code", {}, [part]) : document.createTextNode(part));
    });
    return out;
  }

  function hue(seed) {
    let h = 0;
    for (const ch of String(seed || "")) h = (h * 31 + ch.codePointAt(0)) % 360;
    return h;
  }

  /** A coloured tile instead of a product photo: images live on other hosts, the pages load none. */
  function tile(title, seed, cls) {
    const t = el("div", { class: "tile " + (cls || ""), "aria-hidden": "true" }, [Array.from(String(title || "?"))[0]]);
    t.style.setProperty("--tile-hue", hue(seed || title));
    return t;
  }

  function paintTiles(root) {
    (root || document).querySelectorAll("[data-seed]").forEach((n) => n.style.setProperty("--tile-hue", hue(n.dataset.seed)));
  }

  function productHref(id) {
    return "/product/" + encodeURIComponent(id);
  }

  /**
   * A row of recommendation cards with their reasons. The click is recorded (and awaited, briefly)
   * before navigating, so the next page's recommendations already know about it.
   */
  function renderRecs(container, items, opts) {
    const o = opts || {};
    container.textContent = "";
    container.dataset.items = (items || []).map((it) => it.item_id).join(",");
    if (!items || !items.length) {
      container.appendChild(el("p", { class: "muted empty" }, [o.empty || t("recs.empty")]));
      return;
    }
    items.forEach((it, i) => {
      const href = productHref(it.item_id);
      const card = el("a", { class: it.sponsored ? "card sponsored" : "card", href: href, dataset: { itemId: it.item_id, reasonCode: it.reason_code || "" } }, [
        tile(it.title || it.item_id, it.category_path),
        it.sponsored ? adLabel(it.campaign_id, it.title) : null,
        el("span", { class: "card-title", title: it.title || it.item_id }, [it.title || it.item_id]),
        el("span", { class: "price" }, [money(it.price, it.currency)]),
        el("span", { class: "reason", title: (it.sources || []).join(", ") }, [reasonText(it.reason_code, it.reason)]),
      ]);
      card.addEventListener("click", (e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
        e.preventDefault();
        clickThrough(it.item_id, href, {
          position: i,
          price: isFinite(it.price) ? it.price : undefined,
          request_id: o.requestId || undefined, // the response this row came from (experiment attribution)
        });
      });
      container.appendChild(card);
    });
  }

  /**
   * The label of a sponsored item (ads are always labelled), in the shopper's language as the
   * page knows it: the page's language, and "广告" also on an English page when ``hint`` (the
   * query, or the row's titles) is Chinese; the tooltip names both and the campaign.
   */
  function adLabel(campaignId, hint) {
    const text = /[\u3400-\u9fff]/.test(hint || "") ? "广告" : t("ad.label");
    return el("span", { class: "ad-label", title: t("ad.title", { campaign: campaignId || "" }), dataset: { campaign: campaignId || "" } }, [text]);
  }

  function withTimeout(promise, ms) {
    return Promise.race([promise, new Promise((r) => setTimeout(r, ms))]);
  }

  async function clickThrough(itemId, href, extra) {
    await withTimeout(track("click", itemId, extra), 1500);
    window.location.href = href;
  }

  let toastTimer = null;
  function toast(msg) {
    const t = document.getElementById("toast");
    if (!t) return;
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.hidden = true), 3500);
  }

  function fmt(n, digits) {
    if (n === null || n === undefined || isNaN(Number(n))) return "–";
    const x = Number(n);
    if (Number.isInteger(x) && digits === undefined) return x.toLocaleString(LANG);
    return x.toFixed(digits === undefined ? 3 : digits);
  }

  function initHeader() {
    const v = visitor();
    const code = document.getElementById("visitor-id");
    if (code) {
      code.textContent = v.id;
      code.title = v.known ? t("visitor.known") : t("visitor.anonymous");
    }
    const sw = document.getElementById("visitor-switch");
    if (sw) {
      sw.addEventListener("click", () => {
        const id = window.prompt(t("visitor.prompt"), v.known ? v.id : "");
        if (id === null) return;
        setVisitor(id);
        window.location.reload();
      });
    }
    const out = document.getElementById("sign-out");
    if (out) {
      out.addEventListener("click", async () => {
        try {
          await api("/dashboard/logout", { method: "POST", storefront: false });
        } finally {
          window.location.reload();
        }
      });
    }
    paintTiles();
  }

  document.addEventListener("DOMContentLoaded", initHeader);

  /** The release serves search while its recommendations are still being fitted (a progressive
   * build publishes them a moment later): such an answer is worth asking again, any other is not. */
  function stillBuilding(e) {
    return e instanceof ApiError && e.status === 503 && e.code === "no_recommender" && /still being built/.test(e.message);
  }

  return {
    api, query, track, forYou, money, el, highlightNodes, tile, renderRecs, clickThrough, toast, fmt,
    visitor, setVisitor, session, sessionEvents, key, productHref, ApiError, withTimeout, richText, safeUrl,
    adLabel, stillBuilding, t, tn, tf, name, num, term, pct, reasonText, stageText, lang: LANG,
  };
})();
