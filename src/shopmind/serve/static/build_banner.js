/* "Your shop is being built" banner (issue 17 item 1): the server answers before its first
 * release exists. /readyz then says 503 "building" with the build's stages; the banner shows the
 * stage, and the page reloads itself the moment a release is served (200), so search works
 * without the visitor doing anything. */
(() => {
  "use strict";
  const banner = document.getElementById("shop-building-banner");
  if (!banner) return;
  async function poll() {
    try {
      const r = await fetch("/readyz", { cache: "no-store" });
      if (r.status === 200) {
        window.location.reload();
        return;
      }
      const body = await r.json();
      if (body.status === "building") {
        const stages = (body.building && body.building.stages) || [];
        banner.textContent = SM.t("banner.shop_building", { stage: SM.stageText(stages.find((s) => s.total) || stages[0]) });
      }
    } catch (e) {
      /* the server may be restarting: try again */
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
