/* shopmind pages: the page's language (loaded first: every other script words itself through it).
 *
 * The page's words come from the server's message catalog (serve/i18n/<lang>.json), put in the
 * page as JSON in <meta name="shopmind-messages"> for the page's language (serve/i18n.py
 * chose it; a meta, as the page's CSP and tests allow no inline script): scripts never hold
 * their own English. t("key", {name: value}) fills {name} placeholders; a key the catalog
 * lacks is shown as the key itself and logged, so a missing translation is visible, not blank.
 * Numbers, shares, prices and recommendation reasons are written here too, as the language does.
 * This file creates the SM namespace; api.js and common.js add to it.
 */
"use strict";

const SM = (() => {
  /** The JSON a page carries in ``<meta name="...">`` ({} when absent or unreadable). */
  function metaJSON(name) {
    const node = document.querySelector('meta[name="' + name + '"]');
    try {
      return (node && JSON.parse(node.getAttribute("content"))) || {};
    } catch (_e) {
      return {};
    }
  }

  const I18N = metaJSON("shopmind-messages");
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

  const SYMBOLS = { USD: "$", EUR: "€", GBP: "£", CNY: "¥", JPY: "¥" };

  /** A price in the page's language with its currency ("US$12.50"); a code Intl does not know keeps its symbol or code. */
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

  /** The shop's currency (serve/money.py, on the dashboards only): {code, others, mixed}. */
  const CURRENCY = metaJSON("shopmind-currency");

  /** An amount in the shop's currency (a revenue per user, a spend) written as a price is. */
  function shopMoney(v) {
    if (v === null || v === undefined || isNaN(Number(v))) return "–";
    return CURRENCY.code ? money(v, CURRENCY.code) : Number(v).toLocaleString(LANG, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  /** A figure for the dashboards: a whole number grouped as the language does, else ``digits`` decimals. */
  function fmt(n, digits) {
    if (n === null || n === undefined || isNaN(Number(n))) return "–";
    const x = Number(n);
    if (Number.isInteger(x) && digits === undefined) return x.toLocaleString(LANG);
    const d = digits === undefined ? 3 : digits;
    return x.toLocaleString(LANG, { minimumFractionDigits: d, maximumFractionDigits: d });
  }

  /** The recommender's crowd reason codes (recommend/explain.py CROWD_REASONS), as the server
   * put them beside the messages: one set, never a copy in a script. */
  const crowdReasons = new Set(I18N.crowdReasons || []);

  /** A category path in the page's language, segment by segment (the shop's ``category_names.json``, put
   * beside the messages by the server); a segment without a name, and every path on a page without names,
   * as stored. Only for showing: filters and links keep the stored value. */
  const CATEGORY_NAMES = I18N.categoryNames || {};
  function category(path) {
    const text = path === null || path === undefined ? "" : String(path);
    return text.split(" > ").map((s) => CATEGORY_NAMES[s] || s).join(" > ");
  }

  return { t, tn, tf, name, num, term, pct, reasonText, stageText, money, shopMoney, currency: CURRENCY, fmt, crowdReasons, category, lang: LANG };
})();
