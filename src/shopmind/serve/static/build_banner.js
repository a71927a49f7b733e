/* "Your shop is being built" banner (issue 17 item 1): the server answers before its first
 * release exists. /readyz then says 503 "building" with the build's stages; the banner shows the
 * stage, and the page reloads itself the moment a release is served (200), so search works
 * without the visitor doing anything. */
(() => {
  "use strict";
  const banner = document.getElementById("shop-building-banner");
  if (!banner) return;
  function describe(body) {
    const stages = (body.building && body.building.stages) || [];
    const st = stages.find((s) => s.total) || stages[0];
    if (!st) return "";
    const name = String(st.name).replace(/ \(child process\)$/, "");
    const count = st.total ? `: ${st.done} of ${st.total}` : "";
    const eta = st.eta_s != null ? `, about ${Math.round(st.eta_s)} s left` : "";
    return ` (${name}${count}${eta})`;
  }
  async function poll() {
    try {
      const r = await fetch("/readyz", { cache: "no-store" });
      if (r.status === 200) {
        window.location.reload();
        return;
      }
      const body = await r.json();
      if (body.status === "building") {
        banner.textContent = `Your shop is being built${describe(body)}. Search works as soon as the first release is ready; this page follows by itself.`;
      }
    } catch (e) {
      /* the server may be restarting: try again */
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
