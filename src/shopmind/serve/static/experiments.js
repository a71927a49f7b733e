/* Experiments dashboard: GET /v1/experiments (list) and /v1/experiments/{name} (latest readout),
 * read with the dashboard cookie. Every value is set with textContent / DOM calls (strict CSP). */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const pval = (v) => (v === null || v === undefined ? "–" : v < 0.001 ? "< 0.001" : v.toFixed(3));
  const pct = (v) => SM.pct(v, 2);
  const name = SM.name; // a variant, experiment or layer name: the same in every language
  // the experiment this page's URL names (/dashboard/experiments/<name>), "" on the list's URL
  const OPEN = (document.getElementById("experiment-detail") || { dataset: {} }).dataset.experiment || "";
  const metric = (m) => SM.term("dash.metric.", m); // a metric by its name ("conversion")
  // a readout row's metric: revenue names its currency when the readout has one row per currency
  // (SPLIT: set per readout, true when its revenue rows are in more than one currency)
  let SPLIT = false;
  const label = (m) => metric(m.metric) + (SPLIT && m.currency ? " (" + m.currency + ")" : "");
  // a metric's value as a manager reads it: revenue in its row's currency (else the shop's), the rest
  // (per session, per search, per list shown) as a percentage; a difference of two rates in points
  const MONEY = new Set(["revenue_per_user"]);
  const amount = (m, v) => (m.currency ? SM.money(v, m.currency) : SM.shopMoney(v));
  const value = (m, v) => (v === null || v === undefined ? "–" : MONEY.has(m.metric) ? amount(m, v) : pct(v));
  const diff = (m, v) => {
    if (v === null || v === undefined) return "–";
    const sign = v > 0 ? "+" : v < 0 ? "−" : "";
    return MONEY.has(m.metric) ? sign + amount(m, Math.abs(v)) : SM.t("dash.exp.points", { n: sign + (100 * Math.abs(v)).toFixed(2) });
  };

  /* The readout's decision and notes are English sentences from a handful of templates
   * (experiments/readout.py _decide, interleave_readout.py, live_events.py notes): each is
   * re-worded from its parts in the page's language; a sentence no rule knows is shown as it
   * is, marked English. */
  const NUM = "[-+]?[0-9.]+(?:e[-+]?[0-9]+)?";
  const RULES = [
    // a stopped experiment's decision (experiments/stopped.py): "stopped on DATE: " and what it showed at the end
    // (first: "stopped on …: treatment wins on …" is not a variant named "stopped on …: treatment")
    [/^stopped on (?<date>\d{4}-\d{2}-\d{2}): (?<rest>.+)$/, "stopped_on"],
    [/^stopped: (?<rest>.+)$/, "stopped"],
    [/^no data for the primary metric ['"](?<metric>.*)['"]$/, "end_no_data"],
    [/^no variant differed on (?<metric>\S+) at the end \(always-valid p >= (?<alpha>[0-9.]+)\)$/, "end_no_diff"],
    [/^no credited click, cart or purchase$/, "il_end_no_credit"],
    [new RegExp(`^neither ranker won: (?<b>.+) - (?<a>.+) = (?<diff>${NUM}) credited items per list; (?<a2>.+) (?<wa>\\d+) vs (?<b2>.+) (?<wb>\\d+) wins, ` +
      `(?<ties>\\d+) ties \\(always-valid p = (?<p>\\S+) >= (?<alpha>[0-9.]+)\\)$`), "il_end_even"],
    [new RegExp(`^blocked: sample ratio mismatch \\(p = (?<p>[^,]+), counts (?<counts>\\[[^\\]]*\\])\\); fix assignment or logging before reading any metric$`), "srm"],
    [/^keep running: no data yet for the primary metric ['"](?<metric>.*)['"]$/, "no_data"],
    [/^keep running: no variant differs on (?<metric>\S+) yet \(always-valid p >= (?<alpha>[0-9.]+)\)$/, "no_diff"],
    [/^control wins on (?<metric>\S+): (?<variant>.+) (?<effect>[-+][0-9.]+%) \(always-valid p = (?<p>[^)]+)\)$/, "control_wins"],
    [/^(?<variant>.+) wins on (?<metric>\S+): (?<effect>[-+][0-9.]+%) \(always-valid p = (?<p>[^)]+)\)$/, "wins"],
    [/^blocked: the merge or its logging is broken: (?<why>.*)$/, "il_blocked"],
    [/^keep running: no credited click, cart or purchase yet$/, "il_no_credit"],
    [new RegExp(`^(?<winner>.+) wins: (?<diff>${NUM}) more credited items per list \\((?<won>\\d+) of (?<decided>\\d+) decided lists; ` +
      `always-valid p = (?<p>[^,]+), paired t p = (?<tp>[^,]+), sign test p = (?<sp>[^)]+)\\)$`), "il_wins"],
    [new RegExp(`^keep running: (?<b>.+) - (?<a>.+) = (?<diff>${NUM}) credited items per list; (?<a2>.+) (?<wa>\\d+) vs (?<b2>.+) (?<wb>\\d+) wins, ` +
      `(?<ties>\\d+) ties \\(always-valid p = (?<p>\\S+) >= (?<alpha>[0-9.]+)\\)$`), "il_running"],
    [new RegExp(`^first position's mean credit (?<mean>${NUM}), not 0 \\(p = (?<p>[^)]+)\\)$`), "il_first_credit"],
    [/^first pick (?<na>\d+) (?<a>.+) vs (?<nb>\d+) (?<b>.+) \(p = (?<p>[^)]+)\)$/, "il_first_pick"],
    [/^(?<n>\d+) list\(s\) with unequal picks$/, "il_unbalanced"],
    [/^revenue: (?<n>\d+) of (?<total>\d+) purchase event\(s\) had no price; the served catalog's current price was used$/, "note_priced"],
    [/^revenue: (?<n>\d+) of (?<total>\d+) purchase event\(s\) had no price and a product the catalog does not have; they count 0$/, "note_unpriced"],
    [/^revenue: (?<n>\d+) of (?<total>\d+) purchase event\(s\) had no quantity; counted as 1$/, "note_quantity"],
    [/^revenue: the purchases are in (?<n>\d+) currencies \((?<codes>[A-Z, ]+)\); revenue per unit is read per currency, one row each, never added up$/, "note_currencies"],
    [/^revenue: (?<n>\d+) of (?<total>\d+) purchase event\(s\) had no currency; they count in no currency's revenue$/, "note_no_currency"],
    [/^no decision on (?<metric>\S+): the purchases are in (?<n>\d+) currencies \((?<codes>[A-Z, ]+)\), which are not added up; read each currency's row, or decide on conversion$/, "money_split"],
  ];
  const NAMES = new Set(["variant", "winner", "a", "b", "a2", "b2"]);

  function reword(text) {
    for (const [re, key] of RULES) {
      const m = re.exec(String(text || ""));
      if (!m) continue;
      const params = {};
      for (const [k, v] of Object.entries(m.groups || {})) {
        if (NAMES.has(k)) params[k] = name(v);
        else if (k === "metric") params[k] = metric(v);
        else if (k === "rest") params[k] = reword(v); // what a stopped experiment showed, re-worded in turn
        else if (k === "why") {
          const why = document.createDocumentFragment();
          v.split("; ").forEach((part, i) => {
            if (i) why.appendChild(document.createTextNode(SM.lang === "zh-Hans" ? "；" : "; "));
            why.appendChild(reword(part));
          });
          params[k] = why;
        } else params[k] = v;
      }
      return SM.el("span", {}, [SM.tf("dash.exp.rule." + key, params)]);
    }
    return SM.el("span", { lang: "en" }, [String(text || "")]);
  }

  // a signed percentage, unsigned when it rounds to zero (a variance change of 1e-7 is "0.00 %", not "−0.00 %")
  const signedPct = (v) => {
    const text = pct(Math.abs(v));
    return (text === pct(0) ? "" : v < 0 ? "−" : "+") + text;
  };

  const yes = (v) => (v ? SM.t("dash.exp.yes") : SM.t("dash.exp.no"));

  // numbers right-aligned: every column after the first two, or the columns ``numeric`` names
  function table(head, rows, numeric) {
    const isNum = (i) => (numeric ? numeric.has(i) : i > 1);
    return SM.el("table", { class: "data" }, [
      SM.el("thead", {}, [SM.el("tr", {}, head.map((h, i) => SM.el("th", { class: isNum(i) ? "num" : "" }, [h])))]),
      SM.el("tbody", {}, rows.map((r) => SM.el("tr", {}, r.map((c, j) => SM.el("td", { class: isNum(j) ? "num" : "" }, [c]))))),
    ]);
  }

  // the list's units column: an A/B readout's units per variant (in the variants' order); an
  // interleaving readout's allocation is its lists and units, both shown by every variant, so it is
  // said in words rather than as "382 / 202" under "rrf / nofusion" (read as a sample-ratio mismatch)
  function units(kind, allocation) {
    if (!allocation) return SM.t("dash.exp.no_readout");
    if (kind === "interleave") return SM.t("dash.exp.lists_units", { lists: SM.fmt(allocation.lists), units: SM.fmt(allocation.units) });
    return Object.values(allocation).map((n) => SM.fmt(n)).join(" / ");
  }

  function renderList(body) {
    const exps = body.experiment || [];
    if (!exps.length) {
      $("experiments-table").replaceChildren(
        SM.el("p", { class: "muted" }, [SM.tf("dash.exp.none", { command: SM.el("code", {}, ["shopmind experiments add FILE.toml"]) })])
      );
      return;
    }
    const rows = exps.map((e) => {
      const r = e.readout || {};
      // the readout's own URL: a manager can send it to a colleague
      const link = SM.el("a", { href: "/dashboard/experiments/" + encodeURIComponent(e.name), translate: "no" }, [e.name]);
      if (e.name === OPEN) link.setAttribute("aria-current", "page");
      return [
        link,
        SM.term("dash.exp.status.", e.status),
        SM.term("dash.exp.kind.", e.kind),
        name(e.layer),
        pct(e.traffic),
        name(e.variant.map((v) => v.name).join(" / ")),
        units(e.kind, r.allocation),
        r.srm_pvalue === undefined ? "–" : r.blocked ? SM.t("dash.exp.mismatch") : SM.t("dash.exp.ok"),
        r.decision ? reword(r.decision) : "–",
      ];
    });
    const head = [SM.t("dash.exp.col.name"), SM.t("dash.exp.col.status"), SM.t("dash.exp.col.kind"), SM.t("dash.exp.col.layer"),
      SM.t("dash.exp.col.traffic"), SM.t("dash.exp.col.variants"), SM.t("dash.exp.col.units"), SM.t("dash.exp.col.srm"),
      SM.t("dash.exp.col.decision")];
    // traffic and units are figures; the decision is a sentence, read from its start
    $("experiments-table").replaceChildren(table(head, rows, new Set([4, 6])));
  }

  // the p-value chart's heading stays on the page: under it, a sentence rather than an empty box
  function noLooks(text) {
    $("detail-looks").replaceChildren(SM.el("p", { class: "muted", id: "detail-looks-empty" }, [text]));
  }

  async function showDetail(expName) {
    const body = await SM.api("/v1/experiments/" + encodeURIComponent(expName), { storefront: false });
    const r = body.readout;
    $("experiment-detail").hidden = false;
    $("detail-title").replaceChildren(SM.tf("dash.exp.detail_title", { name: name(expName), status: SM.term("dash.exp.status.", body.status) }));
    if (!r) {
      $("detail-decision").replaceChildren(SM.tf("dash.exp.run_readout", { command: SM.el("code", {}, ["shopmind experiments readout " + expName]) }));
      for (const id of ["detail-srm", "detail-allocation", "detail-metrics", "detail-segments", "detail-effects"]) $(id).replaceChildren();
      noLooks(SM.t("dash.exp.first_readout"));
      return;
    }
    if (r.kind === "interleave") {
      $("detail-segments").replaceChildren();
      $("detail-effects").replaceChildren(); // its looks are preference p-values, drawn below
      $("detail-effects-heading").hidden = true; // no primary metric's effect: no heading over nothing
      showInterleave(r);
      return;
    }
    $("detail-decision").replaceChildren(reword(r.decision));
    $("detail-srm").replaceChildren(
      SM.t("dash.exp.srm_line", { p: pval(r.srm.pvalue), verdict: r.srm.mismatch ? SM.t("dash.exp.srm_blocked") : SM.t("dash.exp.ok"), days: r.days })
    );
    // how revenue was completed when read from the live log (catalog price, quantity 1)
    (r.notes || []).forEach((n) => $("detail-srm").append(SM.lang === "zh-Hans" ? "。" : ". ", reword(n)));
    const names = Object.keys(r.allocation);
    Charts.bars($("detail-allocation"), {
      categories: names,
      series: [{ name: SM.t("dash.exp.units"), values: names.map((n) => r.allocation[n]) }],
      namesAreData: true,
      title: SM.t("dash.exp.units_per_variant"),
    });
    SPLIT = new Set((r.metrics || []).filter((m) => MONEY.has(m.metric)).map((m) => m.currency)).size > 1;
    const rows = (r.metrics || []).map((m) => [
      label(m),
      name(m.variant),
      value(m, m.effect.control),
      value(m, m.effect.treatment),
      pct(m.effect.rel_effect),
      "[" + pct(m.effect.rel_ci_lower) + ", " + pct(m.effect.rel_ci_upper) + "]",
      pval(m.effect.pvalue),
      pval(m.always_valid_p),
      yes(m.cuped),
    ]);
    $("detail-metrics").replaceChildren(
      table([SM.t("dash.exp.col.metric"), SM.t("dash.exp.col.variant"), SM.t("dash.exp.col.control"), SM.t("dash.exp.col.variant_value"),
        SM.t("dash.exp.col.rel_effect"), SM.t("dash.exp.col.interval"), SM.t("dash.exp.col.p_fixed"), SM.t("dash.exp.col.p_av"),
        SM.t("dash.exp.col.cuped")], rows)
    );
    // revenue without a currency of its own is the shop's; a catalog of several currencies: say so
    const money = (r.metrics || []).some((m) => MONEY.has(m.metric) && !m.currency) && SM.currency.mixed;
    $("detail-money").textContent = money || "";
    $("detail-money").hidden = !money;
    showSegments(r.metrics || []);
    const primary = (r.metrics || []).filter((m) => m.metric === "conversion")[0] || (r.metrics || [])[0];
    if (primary && primary.looks.length) {
      // the effect itself, day by day, with the always-valid interval its decision reads
      Charts.intervals($("detail-effects"), {
        categories: primary.looks.map((l) => l.day),
        values: primary.looks.map((l) => l.effect),
        lo: primary.looks.map((l) => l.ci_lower),
        hi: primary.looks.map((l) => l.ci_upper),
        name: metric(primary.metric) + " (" + primary.variant + " − " + Object.keys(r.allocation)[0] + ")", // the control is the first variant
        // in the metric's unit: percentage points of a rate, the shop's currency for revenue
        format: (v) => (v < 0 ? "-" : "") + (MONEY.has(primary.metric) ? amount(primary, Math.abs(v))
          : SM.t("dash.exp.points", { n: String(parseFloat((100 * Math.abs(v)).toFixed(2))) })),
        namesAreData: true, // days, and the metric with its variants' names
        title: SM.t("dash.exp.effects_label"),
      });
      Charts.bars($("detail-looks"), {
        categories: primary.looks.map((l) => l.day),
        series: [{ name: metric(primary.metric) + " (" + primary.variant + ")", values: primary.looks.map((l) => l.pvalue) }],
        namesAreData: true, // days, and the metric with its variant's name
        title: SM.t("dash.exp.looks_title"),
      });
    } else {
      $("detail-effects").replaceChildren(SM.el("p", { class: "muted" }, [SM.t("dash.exp.no_looks")]));
      noLooks(SM.t("dash.exp.no_looks"));
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
        rows.push([label(m), SM.el("span", {}, [name(m.variant), " · " + SM.term("dash.segment.", st.segment)]), SM.fmt(st.n_control) + " / " + SM.fmt(st.n_treatment),
          value(m, st.control), value(m, st.treatment), diff(m, st.effect), SM.t("dash.exp.weight", { w: pct(st.weight) })]);
      }
      rows.push([label(m), SM.el("span", {}, [name(m.variant), " · " + SM.t("dash.exp.post_stratified")]), "", "", "", diff(m, s.effect),
        SM.t("dash.exp.strat_detail", { lo: diff(m, s.ci_lower), hi: diff(m, s.ci_upper), p: pval(s.pvalue) }) +
        (s.variance_reduction === null ? "" : SM.t("dash.exp.variance", { change: signedPct(-s.variance_reduction) }))]);
    }
    $("detail-segments").replaceChildren(
      rows.length ? table([SM.t("dash.exp.col.metric"), SM.t("dash.exp.col.segment"), SM.t("dash.exp.col.seg_units"), SM.t("dash.exp.col.control"),
        SM.t("dash.exp.col.variant_value"), SM.t("dash.exp.col.effect"), SM.t("dash.exp.col.weight")], rows) : ""
    );
  }

  // an interleaving readout: every shopper saw both rankers in one list; a list is won by the ranker
  // whose items got more clicks, carts and purchases
  function showInterleave(r) {
    const [a, b] = r.variants;
    const fp = r.checks.first_pick || {};
    $("detail-decision").replaceChildren(reword(r.decision));
    const common = {
      lists: r.allocation.lists, units: r.allocation.units, days: r.days,
      p: pval(r.srm.pvalue), verdict: r.blocked ? SM.t("dash.exp.il_blocked") : SM.t("dash.exp.ok"),
      unbalanced: r.checks.unbalanced_lists, unattributed: r.checks.unattributed_events,
    };
    const fc = r.checks.first_position_credit;
    // an optimized merge has no first-pick coin: its check is the first position's mean credit
    // against its known 0, so the team counts (often 337 / 45: a shared top item is A's) are not shown
    // beside that test's p-value as if they were the ones tested
    $("detail-srm").replaceChildren(r.checks.first_check === "first_position_credit" && fc
      ? SM.tf("dash.exp.il_line_credit", { ...common, mean: Number(fc.mean).toFixed(4) })
      : SM.tf("dash.exp.il_line", { ...common, fa: fp[a], a: name(a), fb: fp[b], b: name(b) }));
    Charts.bars($("detail-allocation"), {
      categories: [a, b, SM.t("dash.exp.ties")],
      series: [{ name: SM.t("dash.exp.lists_won"), values: [r.wins[a], r.wins[b], r.wins.ties] }],
      namesAreData: true,
      title: SM.t("dash.exp.lists_won_title"),
    });
    const u = r.by_unit || {};
    // the decision's test: the control-adjusted credit (probabilistic lists; equal to credit_diff for team draft)
    const cd = r.credit_cv && r.credit_cv.lists !== undefined ? r.credit_cv : r.credit_diff || {};
    const cr = (r.checks && r.checks.credited_items) || {};
    $("detail-metrics").replaceChildren(
      table(["", "", name(a), name(b), SM.t("dash.exp.ties"), SM.t("dash.exp.col.p_fixed"), SM.t("dash.exp.col.p_av")], [
        // the decision's test: credited items per list, B minus A (paired t-test; mSPRT read daily)
        [SM.t("dash.exp.credited"), SM.el("span", {}, [SM.tf("dash.exp.per_list", { b: name(b), a: name(a), mean: cd.mean === undefined || cd.mean === null ? "–" : Number(cd.mean).toFixed(3) })]),
         SM.fmt(cr[a] ?? 0), SM.fmt(cr[b] ?? 0), "", pval(cd.pvalue), pval(r.always_valid_p)],
        [SM.t("dash.exp.lists_won"), SM.t("dash.exp.sign_test"), SM.fmt(r.wins[a]), SM.fmt(r.wins[b]), SM.fmt(r.wins.ties), pval(r.sign_test_p), "–"],
        [SM.t("dash.exp.units_won"), SM.t("dash.exp.sign_test"), SM.fmt(u[a] ?? 0), SM.fmt(u[b] ?? 0), SM.fmt(u.ties ?? 0), pval(u.sign_test_p), "–"],
      ])
    );
    if (r.looks && r.looks.length) {
      Charts.bars($("detail-looks"), {
        categories: r.looks.map((l) => l.day),
        series: [{ name: SM.t("dash.exp.preference", { b: b }), values: r.looks.map((l) => l.pvalue) }],
        namesAreData: true, // days, and a ranker's name
        title: SM.t("dash.exp.looks_title"),
      });
    } else {
      noLooks(SM.t("dash.exp.no_looks"));
    }
  }

  function failed(e) {
    $("experiments-error").textContent = SM.t("dash.unavailable", { what: SM.t("dash.exp.unavailable"), error: e.message });
    $("experiments-error").hidden = false;
  }

  document.addEventListener("DOMContentLoaded", async () => {
    if (OPEN) showDetail(OPEN).catch(failed); // /dashboard/experiments/<name>: that readout first
    try {
      renderList(await SM.api("/v1/experiments", { storefront: false }));
    } catch (e) {
      failed(e);
      $("experiments-table").textContent = "";
    }
  });
})();
