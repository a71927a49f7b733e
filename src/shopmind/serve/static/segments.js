/* Segments dashboard: users per lifecycle segment from GET /v1/segments (the dashboard cookie). */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const label = (segment) => SM.term("dash.segment.", segment);
  const COLOR = { new: "#2e9e5b", active: "#2457c5", at_risk: "#d9822b", lapsed: "#8a8f98" };

  // a buyer's spend is in their own currency: one median per currency, each written as a price is
  // (a shop selling in USD and CNY has two; their numbers are not added)
  function spend(s) {
    const per = (s.median_spend || []).filter((m) => m.median !== null && m.median !== undefined);
    if (!per.length) return "–";
    return per.map((m) => (m.currency ? SM.money(m.median, m.currency) : SM.shopMoney(m.median))).join(" · ");
  }

  function render(body) {
    const segs = body.segments || [];
    const cfg = body.config || {};
    $("new-days").textContent = String(cfg.new_days ?? 30);
    $("active-days").textContent = String(cfg.active_days ?? 30);
    $("active-days-2").textContent = String(cfg.active_days ?? 30);
    $("lapsed-days").textContent = String(cfg.lapsed_days ?? 90);
    $("segments-asof").textContent = SM.t("dash.seg.asof", {
      users: SM.fmt(body.users), asof: String(body.as_of || "–").slice(0, 16).replace("T", " "), release: body.release,
    });
    if (!body.users) {
      // a catalog without events (a shop's first hour): say so instead of an empty chart and a table of zeros
      $("segments-chart").replaceChildren(
        SM.el("p", { class: "muted empty", id: "segments-empty" }, [SM.t("dash.seg.empty")])
      );
      $("segments-table").replaceChildren();
      return;
    }
    Charts.bars($("segments-chart"), {
      categories: segs.map((s) => label(s.segment)),
      series: segs.map((s, i) => ({
        name: label(s.segment),
        values: segs.map((_x, j) => (i === j ? s.users : 0)),
        color: COLOR[s.segment] || "#2457c5",
      })),
      stacked: true,
      title: SM.t("dash.seg.heading"),
    });
    const rows = segs.map((s) => [
      label(s.segment),
      SM.fmt(s.users),
      SM.pct(s.share),
      SM.fmt(s.buyers),
      spend(s),
    ]);
    const head = [SM.t("dash.seg.col.segment"), SM.t("dash.seg.col.customers"), SM.t("dash.seg.col.share"),
      SM.t("dash.seg.col.buyers"), SM.t("dash.seg.col.median")];
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
      $("segments-error").textContent = SM.t("dash.unavailable", { what: SM.t("dash.seg.unavailable"), error: e.message });
      $("segments-error").hidden = false;
      $("segments-chart").textContent = "";
    }
  });
})();
