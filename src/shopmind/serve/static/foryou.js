/* Storefront: the "For you" row — this visitor's recommendations, said in words that match
 * where they came from (the session, a known user, the crowd, or only the catalog).
 */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const FORYOU_K = 8;
  let forYouSeq = 0;
  let forYouRetries = 0; // while the release's recommendations are still being built

  async function refreshForYou() {
    const seq = ++forYouSeq;
    const box = $("foryou-items");
    const ctx = $("foryou-context");
    try {
      const res = await SM.forYou(FORYOU_K);
      if (seq !== forYouSeq) return;
      // distinct products: a click and the product page's view of one item are one item looked at
      const n = new Set(SM.sessionEvents().map((e) => e.item_id)).size;
      // a shop nobody has touched yet has no "popular": its cold-start row is the catalog itself
      // (no item for a crowd reason: recommend/explain.py CROWD_REASONS, given as SM.crowdReasons)
      const items = res.items || [];
      const catalogOnly = items.length > 0 && !items.some((it) => SM.crowdReasons.has(it.reason_code));
      ctx.textContent =
        res.mode === "session" ? SM.tn("foryou.session", n)
          : res.mode === "user" ? SM.t("foryou.user", { id: SM.visitor().id })
          : catalogOnly ? SM.t("foryou.catalog")
          : SM.t("foryou.popular");
      box.dataset.mode = res.mode;
      SM.renderRecs(box, res.items || [], { empty: SM.t("foryou.empty"), requestId: res.requestId });
    } catch (e) {
      if (seq !== forYouSeq) return;
      box.textContent = "";
      if (SM.stillBuilding(e) && forYouRetries++ < 60) {
        box.appendChild(SM.el("p", { class: "muted" }, [SM.t("foryou.building")]));
        setTimeout(() => { if (seq === forYouSeq) refreshForYou(); }, 1500);
        return;
      }
      box.dataset.items = "";
      box.appendChild(SM.el("p", { class: "muted" }, [SM.t("foryou.error", { detail: e.message })]));
    }
  }

  document.addEventListener("DOMContentLoaded", refreshForYou);
  // coming back with the Back button may restore this page from the back/forward cache:
  // the visitor has clicked since, so the row must be asked again
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) refreshForYou();
  });
})();
