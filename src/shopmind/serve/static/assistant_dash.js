/* Assistant dashboard: the volume by intent and the hand-off rate, day by day, as charts (the
 * tables under them keep the exact figures). The figures are the ones the server rendered the
 * tables from, given in the chart box's data-summary (JSON, autoescaped): no second request, so
 * chart and table never disagree. Drawn with charts.js like the other dashboards (inline SVG). */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  document.addEventListener("DOMContentLoaded", () => {
    const box = $("volume-chart");
    if (!box) return; // no turns yet: the page says so
    let s = {};
    try {
      s = JSON.parse(box.dataset.summary || "{}");
    } catch (_e) {
      s = {};
    }
    const days = (s.by_day || []).map((d) => d.day);
    const intents = (s.intents || []).map((r) => r.intent);
    Charts.bars(box, {
      categories: days,
      series: intents.map((i, k) => ({
        name: SM.term("dash.intent.", i),
        values: s.by_day.map((d) => (d.intents || {})[i] || 0),
        color: Charts.PALETTE[k % Charts.PALETTE.length],
      })),
      stacked: true,
      legend: true,
      title: SM.t("dash.asst.volume"),
    });
    Charts.bars($("handoff-chart"), {
      categories: days,
      series: [{ name: SM.t("dash.asst.handoff_rate"), values: s.by_day.map((d) => d.handoff_rate), color: "#d9822b" }],
      yMax: Math.max(0.25, Charts.niceMax(Math.max(...s.by_day.map((d) => d.handoff_rate || 0)))),
      format: (v) => SM.pct(v, 0),
      title: SM.t("dash.asst.handoff_chart"),
    });
  });
})();
