/* shopmind pages: building the page (no framework, no build step, nothing from other hosts).
 *
 * Safe DOM construction (text is never parsed as HTML), product tiles, the recommendation row,
 * the ad label, the toast and the page header's visitor box. Loaded after i18n.js and api.js,
 * whose parts of SM it uses.
 */
"use strict";

Object.assign(SM, (() => {
  const { t, money, reasonText, visitor, setVisitor, api, clickThrough } = SM;

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

  let toastTimer = null;
  function toast(msg) {
    const t = document.getElementById("toast");
    if (!t) return;
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.hidden = true), 3500);
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
    // a plot wider than its box (a phone) opens at its newest, right end: the forecast, not the oldest days
    for (const box of document.querySelectorAll(".chart-scroll[data-scroll='end']")) {
      box.scrollLeft = box.scrollWidth;
    }
  }

  document.addEventListener("DOMContentLoaded", initHeader);

  return { el, highlightNodes, tile, renderRecs, toast, productHref, richText, safeUrl, adLabel };
})());
