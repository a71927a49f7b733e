/* Product page: records the view, then fills "Similar items" and "Bought together" from the API. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const K = 8;

  async function row(containerId, path, empty, tries = 0) {
    const box = $(containerId);
    try {
      const res = await SM.api(path);
      const items = (res && res.items) || [];
      SM.renderRecs(box, items, { empty: empty, requestId: res && res.requestId });
      return items;
    } catch (e) {
      box.textContent = "";
      if (SM.stillBuilding(e) && tries < 60) { // a progressive build publishes them a moment later
        box.appendChild(SM.el("p", { class: "muted" }, ["Being built — in a moment."]));
        await new Promise((done) => setTimeout(done, 1500));
        return row(containerId, path, empty, tries + 1);
      }
      box.dataset.items = "";
      box.appendChild(SM.el("p", { class: "muted" }, [e.status === 404 ? empty : "Unavailable: " + e.message]));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const main = $("product");
    if (!main) return;
    const id = main.dataset.productId;
    const priceEl = $("product-price");
    const price = priceEl && priceEl.dataset.price !== "" ? Number(priceEl.dataset.price) : undefined;
    const currency = priceEl ? priceEl.dataset.currency : "";
    if (priceEl && price !== undefined) priceEl.textContent = SM.money(price, currency);
    const viewed = SM.track("view", id, { price: price, currency: /^[A-Z]{3}$/.test(currency) ? currency : undefined });
    const enc = encodeURIComponent(id);
    row("similar-items", "/v1/items/" + enc + "/similar?k=" + K + "&session_id=" + encodeURIComponent(SM.session().id), "No similar items found.");
    row("bought-together-items", "/v1/items/" + enc + "/bought-together?k=" + K, "Not bought together with anything yet.").then(
      (items) => {
        // without co-purchases the API fills the row with popular items, each labelled so: the heading follows
        if (items && items.length && !items.some((it) => it.reason_code === "bought_with")) {
          $("bt-title").textContent = "Not bought together yet: popular picks";
        }
      }
    );
    viewed.then((r) => {
      main.dataset.viewRecorded = r && r.accepted ? "true" : "false";
    });
    $("add-to-cart").addEventListener("click", async () => {
      const r = await SM.track("add_to_cart", id, {
        quantity: 1,
        price: price,
        currency: /^[A-Z]{3}$/.test(currency) ? currency : undefined,
      });
      $("cart-note").textContent = r && r.accepted ? "Added — your recommendations will take it into account." : "Added (not recorded: no events key).";
    });
  });
})();
