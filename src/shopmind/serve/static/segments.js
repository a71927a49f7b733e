/* Segments dashboard: users per lifecycle segment from GET /v1/segments (the dashboard cookie). */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const LABEL = { new: "new", active: "active", at_risk: "at risk", lapsed: "lapsed" };
  const COLOR = { new: "#2e9e5b", active: "#2457c5", at_risk: "#d9822b", lapsed: "#8a8f98" };

  function render(body) {
    const segs = body.segments || [];
    const cfg = body.config || {};
    $("new-days").textContent = String(cfg.new_days ?? 30);
    $("active-days").textContent = String(cfg.active_days ?? 30);
    $("active-days-2").textContent = String(cfg.active_days ?? 30);
    $("lapsed-days").textContent = String(cfg.lapsed_days ?? 90);
    $("segments-asof").textContent = `${body.users} customers, as of ${String(body.as_of || "–").slice(0, 16).replace("T", " ")} (release ${body.release})`;
    if (!body.users) {
      // a catalog without events (a shop's first hour): say so instead of an empty chart and a table of zeros
      $("segments-chart").replaceChildren(
        SM.el("p", { class: "muted empty", id: "segments-empty" }, [
          "No customers yet: segments are drawn from accepted events that carry a customer id, and this release has none. " +
            "Ingest your order or click history (shopmind ingest), or send events to POST /v1/events; live events show here without a new build.",
        ])
      );
      $("segments-table").replaceChildren();
      return;
    }
    Charts.bars($("segments-chart"), {
      categories: segs.map((s) => LABEL[s.segment] || s.segment),
      series: segs.map((s, i) => ({
        name: LABEL[s.segment] || s.segment,
        values: segs.map((_x, j) => (i === j ? s.users : 0)),
        color: COLOR[s.segment] || "#2457c5",
      })),
      stacked: true,
      title: "Customers per segment",
    });
    const rows = segs.map((s) => [
      LABEL[s.segment] || s.segment,
      String(s.users),
      (100 * s.share).toFixed(1) + " %",
      String(s.buyers),
      s.median_monetary === null || s.median_monetary === undefined ? "–" : String(s.median_monetary),
    ]);
    const head = ["segment", "customers", "share", "buyers", "median value (RFM M)"];
    $("segments-table").replaceChildren(
      SM.el("table", { class: "data" }, [
        SM.el("thead", {}, [SM.el("tr", {}, head.map((h, i) => SM.el("th", { class: i ? "num" : "" }, [h])))]),
        SM.el("tbody", {}, rows.map((r) => SM.el("tr", {}, r.map((c, j) => SM.el("td", { class: j ? "num" : "" }, [c]))))),
      ])
    );
  }

  document.addEventListener("DOMContentLoaded", async () => {
    try {
      render(await SM.api("/v1/segments", { storefront: false }));
    } catch (e) {
      $("segments-error").textContent = "Segments unavailable: " + e.message;
      $("segments-error").hidden = false;
      $("segments-chart").textContent = "";
    }
  });
})();
