/* Experiments dashboard: GET /v1/experiments (list) and /v1/experiments/{name} (latest readout),
 * read with the dashboard cookie. Every value is set with textContent / DOM calls (strict CSP). */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const pct = (v) => (v === null || v === undefined ? "–" : (100 * v).toFixed(2) + " %");
  const num = (v) => (v === null || v === undefined ? "–" : Number(v).toPrecision(4));
  const pval = (v) => (v === null || v === undefined ? "–" : v < 0.001 ? "< 0.001" : v.toFixed(3));

  function table(head, rows) {
    return SM.el("table", { class: "data" }, [
      SM.el("thead", {}, [SM.el("tr", {}, head.map((h, i) => SM.el("th", { class: i > 1 ? "num" : "" }, [h])))]),
      SM.el("tbody", {}, rows.map((r) => SM.el("tr", {}, r.map((c, j) => SM.el("td", { class: j > 1 ? "num" : "" }, [c]))))),
    ]);
  }

  function renderList(body) {
    const exps = body.experiment || [];
    if (!exps.length) {
      $("experiments-table").replaceChildren(SM.el("p", { class: "muted" }, ["No experiments yet: shopmind experiments add FILE.toml"]));
      return;
    }
    const rows = exps.map((e) => {
      const r = e.readout || {};
      const link = SM.el("button", { type: "button", class: "linkish" }, [e.name]);
      link.addEventListener("click", () => showDetail(e.name));
      return [
        link,
        e.status,
        e.kind,
        e.layer,
        pct(e.traffic),
        e.variant.map((v) => v.name).join(" / "),
        r.allocation ? Object.values(r.allocation).join(" / ") : "no readout yet",
        r.srm_pvalue === undefined ? "–" : r.blocked ? "MISMATCH" : "ok",
        r.decision || "–",
      ];
    });
    $("experiments-table").replaceChildren(
      table(["name", "status", "kind", "layer", "traffic", "variants", "units", "SRM", "decision"], rows)
    );
  }

  // the p-value chart's heading stays on the page: under it, a sentence rather than an empty box
  function noLooks(text) {
    $("detail-looks").replaceChildren(SM.el("p", { class: "muted", id: "detail-looks-empty" }, [text]));
  }

  async function showDetail(name) {
    const body = await SM.api("/v1/experiments/" + encodeURIComponent(name), { storefront: false });
    const r = body.readout;
    $("experiment-detail").hidden = false;
    $("detail-title").textContent = name + " (" + body.status + ")";
    if (!r) {
      $("detail-decision").textContent = "No readout yet: run shopmind experiments readout " + name;
      for (const id of ["detail-srm", "detail-allocation", "detail-metrics", "detail-segments"]) $(id).replaceChildren();
      noLooks("Drawn from the first readout.");
      return;
    }
    if (r.kind === "interleave") {
      $("detail-segments").replaceChildren();
      showInterleave(r);
      return;
    }
    $("detail-decision").textContent = r.decision;
    $("detail-srm").textContent =
      "Sample-ratio check: p = " + pval(r.srm.pvalue) + (r.srm.mismatch ? " (mismatch: readout blocked)" : " (ok)") +
      " over " + r.days + " day(s)" +
      // how revenue was completed when read from the live log (catalog price, quantity 1)
      ((r.notes || []).length ? ". " + r.notes.join(". ") : "");
    const names = Object.keys(r.allocation);
    Charts.bars($("detail-allocation"), {
      categories: names,
      series: [{ name: "units", values: names.map((n) => r.allocation[n]) }],
      title: "Units per variant",
    });
    const rows = (r.metrics || []).map((m) => [
      m.label,
      m.variant,
      num(m.effect.control),
      num(m.effect.treatment),
      pct(m.effect.rel_effect),
      "[" + pct(m.effect.rel_ci_lower) + ", " + pct(m.effect.rel_ci_upper) + "]",
      pval(m.effect.pvalue),
      pval(m.always_valid_p),
      m.cuped ? "yes" : "no",
    ]);
    $("detail-metrics").replaceChildren(
      table(["metric", "variant", "control", "variant value", "relative effect", "95 % interval", "p (fixed)", "p (always valid)", "CUPED"], rows)
    );
    showSegments(r.metrics || []);
    const primary = (r.metrics || []).filter((m) => m.metric === "conversion")[0] || (r.metrics || [])[0];
    if (primary && primary.looks.length) {
      Charts.bars($("detail-looks"), {
        categories: primary.looks.map((l) => l.day),
        series: [{ name: primary.label + " (" + primary.variant + ")", values: primary.looks.map((l) => l.pvalue) }],
        title: "always-valid p by day (below 0.05 = significant)",
      });
    } else {
      noLooks("No daily look in this readout yet.");
    }
  }

  // conversion and revenue per lifecycle segment (as of the start), and the post-stratified effect:
  // segments differ more than a variant moves them, so comparing within each removes that variance
  function showSegments(metrics) {
    const rows = [];
    for (const m of metrics) {
      const s = m.stratified;
      if (!s || (m.metric !== "conversion" && m.metric !== "revenue_per_user")) continue;
      for (const st of s.strata) {
        rows.push([m.label, m.variant + " · " + st.segment.replace("_", " "), st.n_control + " / " + st.n_treatment,
          num(st.control), num(st.treatment), num(st.effect), "weight " + pct(st.weight)]);
      }
      rows.push([m.label, m.variant + " · post-stratified", "", "", "", num(s.effect),
        "[" + num(s.ci_lower) + ", " + num(s.ci_upper) + "], p " + pval(s.pvalue) +
        (s.variance_reduction === null ? "" : ", variance " + (s.variance_reduction >= 0 ? "−" : "+") + pct(Math.abs(s.variance_reduction)))]);
    }
    $("detail-segments").replaceChildren(
      rows.length ? table(["metric", "variant · segment", "units (control / variant)", "control", "variant value", "effect", "weight / 95 % interval"], rows) : ""
    );
  }

  // an interleaving readout: every shopper saw both rankers in one list; a list is won by the ranker
  // whose items got more clicks, carts and purchases
  function showInterleave(r) {
    const [a, b] = r.variants;
    const fp = r.checks.first_pick || {};
    $("detail-decision").textContent = r.decision;
    $("detail-srm").textContent =
      "Interleaving, " + r.allocation.lists + " lists to " + r.allocation.units + " units over " + r.days +
      " day(s). First-pick check: " + fp[a] + " " + a + " / " + fp[b] + " " + b + ", p = " + pval(r.srm.pvalue) +
      (r.blocked ? " (readout blocked)" : " (ok)") + "; lists with unequal picks: " + r.checks.unbalanced_lists +
      "; interactions outside any shown list: " + r.checks.unattributed_events;
    Charts.bars($("detail-allocation"), {
      categories: [a, b, "ties"],
      series: [{ name: "lists won", values: [r.wins[a], r.wins[b], r.wins.ties] }],
      title: "Lists won by each ranker",
    });
    const u = r.by_unit || {};
    // the decision's test: the control-adjusted credit (probabilistic lists; equal to credit_diff for team draft)
    const cd = r.credit_cv && r.credit_cv.lists !== undefined ? r.credit_cv : r.credit_diff || {};
    const cr = (r.checks && r.checks.credited_items) || {};
    $("detail-metrics").replaceChildren(
      table(["", "", a, b, "ties", "p (fixed)", "p (always valid)"], [
        // the decision's test: credited items per list, B minus A (paired t-test; mSPRT read daily)
        ["credited items", "per list, " + b + " − " + a + ": " + (cd.mean === undefined || cd.mean === null ? "–" : Number(cd.mean).toFixed(3)),
         String(cr[a] ?? 0), String(cr[b] ?? 0), "", pval(cd.pvalue), pval(r.always_valid_p)],
        ["lists won", "sign test", String(r.wins[a]), String(r.wins[b]), String(r.wins.ties), pval(r.sign_test_p), "–"],
        ["units won", "sign test", String(u[a] ?? 0), String(u[b] ?? 0), String(u.ties ?? 0), pval(u.sign_test_p), "–"],
      ])
    );
    if (r.looks && r.looks.length) {
      Charts.bars($("detail-looks"), {
        categories: r.looks.map((l) => l.day),
        series: [{ name: "preference for " + b, values: r.looks.map((l) => l.pvalue) }],
        title: "always-valid p by day (below 0.05 = significant)",
      });
    } else {
      noLooks("No daily look in this readout yet.");
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    try {
      renderList(await SM.api("/v1/experiments", { storefront: false }));
    } catch (e) {
      $("experiments-error").textContent = "Experiments unavailable: " + e.message;
      $("experiments-error").hidden = false;
      $("experiments-table").textContent = "";
    }
  });
})();
