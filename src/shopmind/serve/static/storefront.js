/* Storefront: search with facets, filters, pagination and "understood as" chips. The search
 * state lives in the URL, so back/forward and shared links work. The box's suggestions are
 * autocomplete.js (loaded before), the "For you" row foryou.js, the vectors banner vectors_banner.js.
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const PAGE_SIZE = 20;

  /* ------------------------------------------------------------------ state <-> URL */
  function readState() {
    const p = new URLSearchParams(window.location.search);
    return {
      q: p.get("q") || "",
      category: p.get("category") || "",
      brand: p.getAll("brand"),
      price_min: p.get("price_min") || "",
      price_max: p.get("price_max") || "",
      in_stock: p.get("in_stock") === "true",
      sort: p.get("sort") || "relevance",
      page: Math.max(1, parseInt(p.get("page") || "1", 10) || 1),
      understand: p.get("understand") !== "false",
    };
  }

  let state = readState();

  function stateQuery(s) {
    return SM.query({
      q: s.q,
      category: s.category,
      brand: s.brand,
      price_min: s.price_min,
      price_max: s.price_max,
      in_stock: s.in_stock ? "true" : "",
      sort: s.sort && s.sort !== "relevance" ? s.sort : "",
      page: s.page > 1 ? s.page : "",
      understand: s.understand ? "" : "false",
    });
  }

  /** Change the search: new URL entry, then search. Filters other than the page reset to page 1. */
  function update(changes, keepPage) {
    state = Object.assign({}, state, changes);
    if (!keepPage && !("page" in changes)) state.page = 1;
    history.pushState(null, "", "/" + stateQuery(state));
    runSearch();
  }

  /* ------------------------------------------------------------------ search */
  let searchSeq = 0;

  async function runSearch(again) {
    syncControls();
    $("results-area").hidden = false;
    const seq = ++searchSeq;
    const params = {
      q: state.q,
      category: state.category,
      brand: state.brand,
      price_min: state.price_min,
      price_max: state.price_max,
      in_stock: state.in_stock ? "true" : "",
      sort: state.sort,
      page: state.page,
      size: PAGE_SIZE,
      facets: "brand,category,price",
      understand: state.understand ? "true" : "false",
      // who searched: sponsored slots are attributed to the session's clicks (and experiments assign by it)
      session_id: SM.session().id,
    };
    $("results").setAttribute("aria-busy", "true");
    try {
      const res = await SM.api("/v1/search" + SM.query(params));
      if (seq !== searchSeq) return; // a newer search was started meanwhile
      $("search-error").hidden = true;
      renderResults(res);
      // which search the list shows (scripts and tests can tell a fresh list from a stale one)
      $("results").dataset.state = stateQuery(state);
      // nothing matched the words and the query's vector was still being computed (dense
      // "pending"): ask once more shortly, when the meaning-based answer is ready
      if (!again && res.dense === "pending" && !(res.hits || []).length) {
        setTimeout(() => { if (seq === searchSeq) runSearch(true); }, 400);
      }
    } catch (e) {
      if (seq !== searchSeq) return;
      // a page past the end (a link kept from a longer list): the first page, not an error
      if (e.code === "page_out_of_range" && state.page > 1) {
        state.page = 1;
        history.replaceState(null, "", "/" + stateQuery(state));
        runSearch(again);
        return;
      }
      // the shopper's own price boxes (min above max): said in the page's words, not the API's
      const priceBox = e.code === "invalid_parameter" && (e.field === "price_min" || e.field === "price_max");
      $("search-error").textContent = priceBox ? SM.t("search.price_range") : SM.t("search.error", { detail: e.message });
      $("search-error").hidden = false;
      $("results").textContent = "";
      $("result-count").textContent = "";
      $("pagination").textContent = "";
    } finally {
      if (seq === searchSeq) $("results").removeAttribute("aria-busy");
    }
  }

  function renderResults(res) {
    const total = res.total || 0;
    const count = $("result-count");
    count.dataset.total = String(total);
    const timings = res.timings_ms || res.timing_ms;
    const ms = timings && timings.total;
    const counted = SM.tn("results.count", total);
    count.textContent =
      (state.q ? SM.t("results.for", { count: counted, q: state.q }) : SM.t("results.catalog", { count: counted })) +
      (ms !== undefined ? SM.t("results.ms", { ms: Number(ms).toFixed(1) }) : "");
    // every hit came from meaning alone (no product holds a word of the query): say so
    const byMeaning = (res.warnings || []).some((w) => w && w.code === "meaning_only") && total > 0;
    $("result-meaning").hidden = !byMeaning;
    $("result-meaning").textContent = byMeaning ? SM.t("results.meaning_only") : "";
    renderUnmatched(res, total);

    const list = $("results");
    list.textContent = "";
    const from = ((res.page || 1) - 1) * (res.size || PAGE_SIZE);
    (res.hits || []).forEach((h, i) => list.appendChild(resultItem(h, from + i, res.requestId)));
    if (!(res.hits || []).length) {
      list.appendChild(SM.el("li", { class: "muted empty" }, [SM.t("results.none")]));
    }
    renderFacets(res.facets || {});
    renderUnderstood(res.understood, res.warnings || []);
    renderPagination(total, res.page || state.page, res.size || PAGE_SIZE);
  }

  /** Words of the query no product holds (engine warning words_unmatched): "blue sofa" on a shop
   * with no sofa shows blue things, and the line says "No results for “sofa”: showing results for
   * “blue”" (the rest is the searched text without those words; the words alone when none is left). */
  function renderUnmatched(res, total) {
    const w = (res.warnings || []).find((x) => x && x.code === "words_unmatched");
    const el = $("result-unmatched");
    el.hidden = !(w && total > 0);
    if (el.hidden) {
      el.textContent = "";
      return;
    }
    const words = String(w.value || "").split("; ").filter(Boolean);
    const u = res.understood || {};
    let rest = String(u.text || state.q || "");
    words.forEach((word) => {
      const esc = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      rest = rest.replace(new RegExp(/^[\x00-\x7f]+$/.test(word) ? "\\b" + esc + "\\b" : esc, "gi"), " ");
    });
    rest = rest.replace(/\s+/g, " ").replace(/^[\s,.;:!?，。；：！？]+|[\s,.;:!?，。；：！？]+$/g, "");
    const shown = words.map((x) => "“" + x + "”").join(", ");
    el.textContent = rest ? SM.t("results.unmatched", { words: shown, rest: rest }) : SM.t("results.unmatched_only", { words: shown });
  }

  function resultItem(h, position, requestId) {
    const href = SM.productHref(h.product_id);
    const title = SM.el("a", { class: "hit-title", href: href });
    const hl = h.highlights && h.highlights.title;
    if (hl) title.appendChild(SM.highlightNodes(hl));
    else title.textContent = h.title || h.product_id;
    title.addEventListener("click", (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      SM.clickThrough(h.product_id, href, {
        position: position,
        query: state.q || undefined,
        price: isFinite(h.price) && h.price !== null ? h.price : undefined,
        request_id: requestId || undefined, // the search response this list came from (experiment attribution)
      });
    });
    const stock =
      h.stock === null || h.stock === undefined
        ? null
        : SM.el("span", { class: h.stock > 0 ? "stock in" : "stock out" }, [h.stock > 0 ? SM.t("stock.in") : SM.t("stock.out")]);
    return SM.el("li", { class: h.sponsored ? "hit sponsored" : "hit", dataset: { productId: h.product_id } }, [
      SM.tile(h.title || h.product_id, h.category_path),
      SM.el("div", { class: "hit-body" }, [
        h.sponsored ? SM.adLabel(h.campaign_id, state.q) : null,
        title,
        SM.el("div", { class: "hit-meta muted" }, [
          h.brand ? SM.el("span", { class: "hit-brand" }, [h.brand]) : null,
          h.category_path ? SM.el("span", { class: "hit-category" }, [SM.category(h.category_path)]) : null,
          h.rating !== null && h.rating !== undefined ? SM.el("span", { class: "rating" }, ["★ " + Number(h.rating).toFixed(1)]) : null,
          stock,
        ]),
      ]),
      // a product on sale: its "was" price (compare_at_price: Shopify's Compare At Price, WooCommerce's
      // regular price under [sale]) crossed out before the price it sells at
      SM.el("div", { class: h.compare_at_price ? "price hit-price on-sale" : "price hit-price" }, [
        h.compare_at_price ? SM.el("s", { class: "was" }, [SM.money(h.compare_at_price, h.currency)]) : null,
        h.compare_at_price ? " " : null,
        SM.money(h.price, h.currency),
      ]),
    ]);
  }

  /* ------------------------------------------------------------------ facets */
  function facetItem(label, count, checked, onChange, extra) {
    const input = SM.el("input", { type: "checkbox" });
    input.checked = checked;
    input.addEventListener("change", () => onChange(input.checked));
    return SM.el("li", Object.assign({ class: checked ? "on" : "" }, extra || {}), [
      SM.el("label", { class: "check" }, [
        input,
        SM.el("span", { class: "facet-label" }, [label]),
        SM.el("span", { class: "count" }, [count === null ? "" : String(count)]),
      ]),
    ]);
  }

  /**
   * Facets as lists: docs/API.md shows arrays ({value, count[, level]} / {from, to, count}); the
   * engine answers {values: {value: count}} per field, "category.lvlN" per level and
   * {buckets: [{min, max, count}]} for price. Both are accepted.
   */
  function normFacets(f) {
    const terms = (x) =>
      Array.isArray(x) ? x : x && x.values ? Object.entries(x.values).map(([value, count]) => ({ value, count })) : [];
    let category = Array.isArray(f.category) ? f.category : [];
    Object.keys(f)
      .filter((k) => /^category\.lvl\d+$/.test(k))
      .forEach((k) => {
        const level = Number(k.slice("category.lvl".length)) + 1;
        category = category.concat(terms(f[k]).map((c) => Object.assign({ level }, c)));
      });
    if (!Array.isArray(f.category)) category.sort((a, b) => String(a.value).localeCompare(String(b.value)));
    const p = f.price;
    const price = Array.isArray(p)
      ? p
      : p && Array.isArray(p.buckets)
        ? p.buckets
            .filter((b) => b.min !== null || b.max !== null) // one open bucket says nothing
            .map((b) => ({ from: b.min === null || b.min === undefined ? 0 : b.min, to: b.max, count: b.count }))
        : [];
    // the bands' currency (the engine's price facet and an unqualified price_min/max are in the
    // result set's most common currency): a bare "0 – 50" beside CN¥ prices read as yuan
    const priceCurrency = p && !Array.isArray(p) && p.currency ? p.currency : null;
    return { brand: terms(f.brand), category, price, priceCurrency };
  }

  function renderFacets(raw) {
    const f = normFacets(raw);
    // brand: any number of brands (OR)
    const brands = (f.brand || []).slice();
    state.brand.forEach((b) => {
      if (!brands.some((x) => x.value === b)) brands.unshift({ value: b, count: 0 });
    });
    const ul = $("facet-brand");
    ul.textContent = "";
    brands.forEach((b) =>
      ul.appendChild(
        facetItem(b.value, b.count, state.brand.includes(b.value), (on) => {
          const next = state.brand.filter((x) => x !== b.value);
          if (on) next.push(b.value);
          update({ brand: next });
        }, { dataset: { facet: "brand", value: b.value, count: String(b.count) } })
      )
    );
    $("facet-brand-group").hidden = !brands.length;

    // category: one category path at a time (a deeper level narrows, another path replaces)
    const cats = (f.category || []).slice();
    if (state.category && !cats.some((c) => c.value === state.category)) cats.unshift({ value: state.category, count: 0, level: 1 });
    const uc = $("facet-category");
    uc.textContent = "";
    cats.forEach((c) => {
      const parts = String(c.value).split(">").map((x) => x.trim());
      const level = c.level || parts.length;
      const li = facetItem(SM.category(parts[parts.length - 1] || c.value), c.count, state.category === c.value, (on) => {
        update({ category: on ? c.value : "" });
      }, { dataset: { facet: "category", value: c.value, count: String(c.count) }, title: SM.category(c.value) });
      li.style.paddingLeft = (level - 1) * 0.9 + "em";
      uc.appendChild(li);
    });
    $("facet-category-group").hidden = !cats.length;

    // price bands: the checked bands' union becomes price_min..price_max
    const bands = f.price || [];
    const lo = state.price_min === "" ? null : Number(state.price_min);
    const hi = state.price_max === "" ? null : Number(state.price_max);
    const inRange = (b) =>
      (lo !== null || hi !== null) &&
      (lo === null || Number(b.from) >= lo) &&
      (hi === null || (b.to !== null && b.to !== undefined && Number(b.to) <= hi));
    const up = $("facet-price");
    up.textContent = "";
    bands.forEach((b, i) => {
      const bound = (x) => (f.priceCurrency ? priceBound(x, f.priceCurrency) : SM.num(x));
      const label = b.to === null || b.to === undefined ? bound(b.from) + "+" : bound(b.from) + " – " + bound(b.to);
      up.appendChild(
        facetItem(label, b.count, inRange(b), (on) => {
          const chosen = bands.filter((x, j) => (j === i ? on : inRange(x)));
          if (!chosen.length) return update({ price_min: "", price_max: "" });
          const min = Math.min(...chosen.map((x) => Number(x.from)));
          const open = chosen.some((x) => x.to === null || x.to === undefined);
          const max = open ? "" : String(Math.max(...chosen.map((x) => Number(x.to))));
          update({ price_min: min > 0 ? String(min) : "", price_max: max });
        }, { dataset: { facet: "price", from: String(b.from), to: String(b.to), count: String(b.count) } })
      );
    });
    $("facet-price-group").hidden = !bands.length;
  }

  /* ------------------------------------------------------------------ understood-as chips */
  function chip(label, title, onRemove, kind) {
    const c = SM.el("span", { class: "chip", title: title || "", dataset: { kind: kind || "" } }, [label]);
    if (onRemove) {
      c.appendChild(
        SM.el("button", { type: "button", class: "chip-x", "aria-label": SM.t("chip.remove_label", { label: label }), title: SM.t("chip.remove"), onclick: onRemove }, ["×"])
      );
    }
    return c;
  }

  function removeSpan(text, span) {
    const [a, b] = span;
    return (text.slice(0, a) + " " + text.slice(b)).replace(/\s+/g, " ").trim();
  }

  /** "price: -50" -> "under 50"; attributes show their key ("colour: red"). The engine's own
   * wording (``label``, with the currency: "under CN¥100") is English: other pages word it here
   * from the constraint's parts (an attribute's key is the shop's data, shown as it is). */
  function constraintLabel(c, source) {
    if (c.kind === "attribute") return attributeLabel(c, source);
    if (c.label && SM.lang === "en") return c.label;
    if (c.kind === "price") {
      const [lo, hi] = String(c.value || "").split("-").map((x) => (x && c.currency ? priceBound(x, c.currency) : x));
      if (lo && hi) return SM.t("constraint.range", { lo: lo, hi: hi });
      if (hi) return SM.t("constraint.under", { hi: hi });
      if (lo) return SM.t("constraint.over", { lo: lo });
    }
    const key = c.kind === "attribute" ? c.key || SM.t("constraint.attribute") : kindName(c.kind);
    return key + ": " + (c.kind === "category" ? SM.category(c.value) : c.value);
  }

  /** An attribute read from the query ("colour: red") in the page's language: the catalog's own
   * names in that language when the engine found them (``alternatives``: "colour: red" has
   * (颜色, 红色) on the demo shop), else the key through the page's messages ("attr.colour" ->
   * 颜色) and, on a Chinese page, the words the shopper typed for it ("皮革" of "皮革包") over an
   * English value; a Chinese page showed "colour: red" (session 32). */
  function attributeLabel(c, source) {
    const cjk = (x) => /[\u3400-\u9fff]/.test(String(x || ""));
    const zh = SM.lang !== "en";
    const pairs = [[c.key, c.value]].concat(Array.isArray(c.alternatives) ? c.alternatives : []);
    const own = pairs.find((p) => Array.isArray(p) && cjk(p[0]) === zh && cjk(p[1]) === zh);
    if (own) return own[0] + ": " + own[1];
    const key = c.key ? SM.term("attr.", c.key) : SM.t("constraint.attribute");
    const typed = Array.isArray(c.span) ? String(source || "").slice(c.span[0], c.span[1]) : "";
    const value = zh && !cjk(c.value) && cjk(typed) ? typed : c.value;
    return key + ": " + value;
  }

  /** A price bound with its currency, as the page's language writes it, without ".00" ("US$50"). */
  function priceBound(value, currency) {
    const n = Number(value);
    try {
      return new Intl.NumberFormat(SM.lang, { style: "currency", currency: currency, maximumFractionDigits: Number.isInteger(n) ? 0 : 2 }).format(n);
    } catch (_e) {
      return value;
    }
  }

  /** A constraint's kind in the page's language ("brand" -> "品牌"); an unknown kind as it is. */
  function kindName(kind) {
    return ["price", "brand", "category"].includes(kind) ? SM.t("constraint." + kind) : kind;
  }

  function renderUnderstood(u, warnings) {
    const box = $("understood");
    box.textContent = "";
    // what the query was read as matched nothing together: the search ran without it (engine
    // warning constraints_dropped), so its chips are struck through and the line says so
    // (only the ones left out: the engine leaves out as few as it must, search/relax.py; the
    // warning's value names them by their labels, as the engine writes a constraint's label)
    const warned = (warnings || []).find((w) => w && w.code === "constraints_dropped");
    const leftOut = new Set(warned ? String(warned.value || "").split("; ") : []);
    const isLeftOut = (c) => leftOut.has(c.label || c.kind + ": " + c.value);
    const gone = warned && u ? (u.constraints || []).filter(isLeftOut) : [];
    const dropped = gone.length > 0;
    $("result-dropped").hidden = !dropped;
    $("result-dropped").textContent = dropped
      ? SM.t("understood.dropped", { what: gone.map((c) => constraintLabel(c, u.query || state.q)).join(" · ") })
      : "";
    if (!state.understand) {
      box.appendChild(SM.el("span", { class: "muted small" }, [SM.t("understood.exact")]));
      box.appendChild(chip(SM.t("understood.on"), "", () => update({ understand: true }), "understand-on"));
      return;
    }
    if (!u) return;
    const source = u.query || state.q;
    if (u.text && u.text !== state.q) box.appendChild(SM.el("span", { class: "muted small" }, [SM.t("understood.as")]));
    if (u.text && u.text !== state.q) box.appendChild(chip("“" + u.text + "”", SM.t("understood.text_title"), null, "text"));
    (u.constraints || []).forEach((c) => {
      const label = constraintLabel(c, source);
      const removable = Array.isArray(c.span) && c.span.length === 2 && source === state.q;
      const from = SM.t("understood.from", { text: Array.isArray(c.span) ? source.slice(c.span[0], c.span[1]) : "" });
      const out = dropped && isLeftOut(c);
      const el = chip(label, out ? SM.t("understood.dropped_title") : from,
        removable ? () => update({ q: removeSpan(state.q, c.span) }) : () => update({ understand: false }), "constraint");
      if (out) el.classList.add("dropped");
      box.appendChild(el);
    });
    const corr = u.corrections || [];
    (Array.isArray(corr) ? corr : Object.entries(corr)).forEach(([from, to]) => {
      box.appendChild(chip(from + " → " + to, SM.t("understood.correction_title"), () => update({ understand: false }), "correction"));
    });
    (u.expansions || []).forEach((x) => {
      const label = typeof x === "string" ? x : x.text || x.term || JSON.stringify(x);
      box.appendChild(chip("+ " + label, SM.t("understood.expansion_title"), () => update({ understand: false }), "expansion"));
    });
  }

  /* ------------------------------------------------------------------ pagination */
  function renderPagination(total, page, size) {
    const nav = $("pagination");
    nav.textContent = "";
    const pages = Math.max(1, Math.ceil(total / size));
    if (pages <= 1) return;
    const go = (p) => () => {
      update({ page: p }, true);
      window.scrollTo({ top: 0 });
    };
    const btn = (label, p, opts) =>
      SM.el("button", Object.assign({ type: "button", class: p === page ? "page current" : "page", onclick: go(p), dataset: { page: String(p) } }, opts || {}), [label]);
    nav.appendChild(btn(SM.t("pages.prev"), page - 1, { disabled: page <= 1, "aria-label": SM.t("pages.prev_label"), class: "page prev" }));
    const shown = new Set([1, pages, page - 2, page - 1, page, page + 1, page + 2].filter((p) => p >= 1 && p <= pages));
    let last = 0;
    [...shown].sort((a, b) => a - b).forEach((p) => {
      if (p - last > 1) nav.appendChild(SM.el("span", { class: "gap" }, ["…"]));
      nav.appendChild(btn(SM.num(p), p, p === page ? { "aria-current": "page" } : {}));
      last = p;
    });
    nav.appendChild(btn(SM.t("pages.next"), page + 1, { disabled: page >= pages, "aria-label": SM.t("pages.next_label"), class: "page next" }));
  }

  /* ------------------------------------------------------------------ controls */
  function syncControls() {
    $("q").value = state.q;
    $("sort").value = state.sort;
    $("price-min").value = state.price_min;
    $("price-max").value = state.price_max;
    $("in-stock").checked = state.in_stock;
  }

  function bindControls() {
    $("search-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const chosen = SMSuggest.active();
      SMSuggest.close();
      if (chosen) return SMSuggest.choose(chosen);
      submitQuery($("q").value);
    });
    $("sort").addEventListener("change", () => update({ sort: $("sort").value }));
    $("in-stock").addEventListener("change", () => update({ in_stock: $("in-stock").checked }));
    const applyPrice = () => {
      let lo = $("price-min").value.trim();
      let hi = $("price-max").value.trim();
      if (lo !== "" && hi !== "" && Number(lo) > Number(hi)) [lo, hi] = [hi, lo];
      update({ price_min: lo, price_max: hi });
    };
    $("price-apply").addEventListener("click", applyPrice);
    ["price-min", "price-max"].forEach((id) =>
      $(id).addEventListener("keydown", (e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          applyPrice();
        }
      })
    );
    $("clear-filters").addEventListener("click", () =>
      update({ category: "", brand: [], price_min: "", price_max: "", in_stock: false, sort: "relevance", understand: true })
    );
    window.addEventListener("popstate", () => {
      state = readState();
      runSearch();
    });
  }

  function submitQuery(text) {
    const q = String(text || "").trim();
    if (q) SM.track("search", null, { query: q });
    update({ q: q, category: "", brand: [], price_min: "", price_max: "", understand: true });
  }

  document.addEventListener("DOMContentLoaded", () => {
    bindControls();
    SMSuggest.bind(submitQuery);
    runSearch(); // foryou.js's listener, added after this one, then asks for the "For you" row
  });
})();
