/* Storefront: the search box's suggestions (autocomplete), as you type, by keyboard or mouse.
 *
 * Loaded before storefront.js, which binds it to the box and tells it what choosing a query
 * suggestion does (the same as submitting the query); a product suggestion opens the product.
 */
"use strict";

const SMSuggest = (() => {
  const $ = (id) => document.getElementById(id);
  const DEBOUNCE_MS = 150;
  // GET /v1/autocomplete takes q of at most 200 characters (serve/routes/search.py): a longer
  // prefix (a pasted paragraph) has no suggestion, and asking put a 400 in the console per key
  const MAX_PREFIX_CHARS = 200;
  let acTimer = null;
  let acSeq = 0;
  let acIndex = -1;
  let acItems = [];

  function closeSuggestions() {
    // also drop a pending or in-flight lookup, so a late answer cannot reopen the list
    clearTimeout(acTimer);
    acSeq++;
    const ul = $("suggestions");
    ul.hidden = true;
    ul.textContent = "";
    acItems = [];
    acIndex = -1;
    $("q").setAttribute("aria-expanded", "false");
  }

  function activeSuggestion() {
    return acIndex >= 0 && acIndex < acItems.length ? acItems[acIndex] : null;
  }

  let submitQuery = null; // given by bind(): what a chosen query/category suggestion does

  function chooseSuggestion(s) {
    closeSuggestions();
    const pid = s.product_id || s.item_id;
    if (s.kind === "product" && pid) return SM.clickThrough(pid, SM.productHref(pid), { query: $("q").value || undefined });
    submitQuery(s.text);
  }

  function highlight(i) {
    acIndex = i;
    [...$("suggestions").children].forEach((li, j) => {
      li.classList.toggle("active", j === i);
      li.setAttribute("aria-selected", j === i ? "true" : "false");
    });
  }

  async function fetchSuggestions(prefix) {
    const seq = ++acSeq;
    let res;
    try {
      res = await SM.api("/v1/autocomplete" + SM.query({ q: prefix, k: 8 }));
    } catch (_e) {
      return closeSuggestions();
    }
    if (seq !== acSeq || $("q").value.trim() !== prefix) return; // stale answer
    const ul = $("suggestions");
    ul.textContent = "";
    acItems = (res && res.suggestions) || [];
    acIndex = -1;
    acItems.forEach((s, i) => {
      const li = SM.el("li", { role: "option", id: "sugg-" + i, class: "suggestion", dataset: { kind: s.kind || "" } }, [
        SM.el("span", { class: "sugg-text" }, [s.kind === "category" ? SM.category(s.text) : s.text]),
        s.kind ? SM.el("span", { class: "sugg-kind" }, [["query", "category", "product"].includes(s.kind) ? SM.t("suggest.kind." + s.kind) : s.kind]) : null,
      ]);
      // mousedown, not click: it fires before the input's blur closes the list
      li.addEventListener("mousedown", (e) => {
        e.preventDefault();
        chooseSuggestion(s);
      });
      li.addEventListener("mousemove", () => highlight(i));
      ul.appendChild(li);
    });
    ul.hidden = !acItems.length;
    $("q").setAttribute("aria-expanded", acItems.length ? "true" : "false");
  }

  /** Listen to the search box; ``onQuery(text)`` is what choosing a query suggestion does. */
  function bind(onQuery) {
    submitQuery = onQuery;
    const input = $("q");
    input.addEventListener("input", () => {
      clearTimeout(acTimer);
      const prefix = input.value.trim();
      if (!prefix || [...prefix].length > MAX_PREFIX_CHARS) return closeSuggestions();
      acTimer = setTimeout(() => fetchSuggestions(prefix), DEBOUNCE_MS);
    });
    input.addEventListener("keydown", (e) => {
      if ($("suggestions").hidden) return;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        highlight((acIndex + 1) % acItems.length);
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        highlight(acIndex <= 0 ? acItems.length - 1 : acIndex - 1);
      } else if (e.key === "Escape") {
        closeSuggestions();
      }
    });
    input.addEventListener("blur", () => setTimeout(closeSuggestions, 100));
  }

  return { bind, close: closeSuggestions, active: activeSuggestion, choose: chooseSuggestion };
})();
