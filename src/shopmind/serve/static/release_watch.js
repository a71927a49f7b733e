/* Dashboards: say when the server has switched to another release than the one the page shows.
 * A dashboard is read for minutes (a planner with the reorder list, a manager with a readout);
 * meanwhile `shopmind build` or `rollback` switches the served release, and the figures on the
 * open page are the old release's. The page is not reloaded by itself (the reader may be in the
 * middle of a readout or a product's chart): a notice names both releases and offers a reload.
 * /readyz is asked every 30 s and whenever the tab becomes visible again. */
"use strict";

(() => {
  const shown = (document.querySelector('meta[name="shopmind-release"]') || {}).content;
  if (!shown) return; // no release yet: build_banner.js reloads the page when the first is served
  const PERIOD_MS = 30000;
  let timer = null;
  let told = null;

  function notice(served) {
    let box = document.getElementById("release-changed");
    if (!box) {
      box = SM.el("p", { class: "note build-banner", id: "release-changed", role: "status" }, []);
      document.getElementById("main").before(box);
    }
    const reload = SM.el("button", { type: "button", class: "linkish", id: "release-reload" }, [SM.t("dash.release.reload")]);
    reload.addEventListener("click", () => window.location.reload());
    const name = (r) => SM.el("code", { translate: "no" }, [r]);
    box.replaceChildren(SM.tf("dash.release.changed", { shown: name(shown), served: name(served) }), " ", reload);
  }

  async function check() {
    clearTimeout(timer);
    try {
      const r = await fetch("/readyz", { cache: "no-store" });
      const body = await r.json();
      if (body.release && body.release !== shown && body.release !== told) {
        told = body.release;
        notice(body.release);
      }
    } catch (e) {
      /* the server may be restarting: ask again at the next period */
    }
    timer = setTimeout(check, PERIOD_MS);
  }

  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") check();
  });
  timer = setTimeout(check, PERIOD_MS);
})();
