/* Storefront: the progressive build banner. While the served release lacks its text vectors,
 * /readyz says what is still building; the banner follows it and disappears once the release is complete.
 * (The banner of a shop with no release yet is build_banner.js, loaded by base.html.) */
"use strict";

(() => {
  const banner = document.getElementById("build-banner");
  if (!banner) return;
  async function poll() {
    try {
      const r = await fetch("/readyz", { cache: "no-store" });
      const body = await r.json();
      const vectors = (body.parts || {}).search_vectors;
      if (body.complete || (vectors !== undefined && vectors !== "pending")) {
        banner.hidden = true; // searching with vectors now (forecasts may still be building)
        return;
      }
      // the stage a shopper cares about is the one with items to count (encoding product
      // texts), not a model fitting beside it; the process it runs in is not their business
      const stages = (body.building && body.building.stages) || [];
      const st = stages.find((s) => s.total); // none: no stage named, never "(forecast)"
      banner.textContent = SM.t("banner.vectors", { stage: SM.stageText(st) });
    } catch (e) {
      /* the server may be restarting: try again */
    }
    setTimeout(poll, 3000);
  }
  setTimeout(poll, 3000);
})();
