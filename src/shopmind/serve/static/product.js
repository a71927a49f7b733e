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
        box.appendChild(SM.el("p", { class: "muted" }, [SM.t("rows.building")]));
        await new Promise((done) => setTimeout(done, 1500));
        return row(containerId, path, empty, tries + 1);
      }
      box.dataset.items = "";
      box.appendChild(SM.el("p", { class: "muted" }, [e.status === 404 ? empty : SM.t("rows.unavailable", { detail: e.message })]));
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
    row("similar-items", "/v1/items/" + enc + "/similar?k=" + K + "&session_id=" + encodeURIComponent(SM.session().id), SM.t("product.similar_empty"));
    row("bought-together-items", "/v1/items/" + enc + "/bought-together?k=" + K, SM.t("product.bt_empty")).then(
      (items) => {
        // without co-purchases the API fills the row with popular items, each labelled so: the heading follows
        if (items && items.length && !items.some((it) => it.reason_code === "bought_with")) {
          $("bt-title").textContent = SM.t("product.bt_popular");
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
      $("cart-note").textContent = r && r.accepted ? SM.t("cart.added") : SM.t("cart.added_unrecorded");
    });
  });
})();
