/* Evaluation dashboard: the JSON written by `shopmind evaluate search|recs|assistant|forecast` into
 * <workspace>/evaluation, newest per dataset. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const OURS = "#2457c5";
  const PEER = ["#8a8f98", "#d9822b", "#2e9e5b", "#b8336a", "#6f4bd8", "#1c9aa8", "#c7a200"];

  const isOurs = (name) => /^ours/.test(name);
  // a method or metric name ("ours", "bm25s", "ndcg@10"): the same in every language
  const data = (text) => SM.el("span", { translate: "no" }, [text]);

  /** Latest file first within each dataset; datasets in order of their latest run. */
  function byDataset(files, nameOf, timeOf) {
    const groups = new Map();
    files.forEach((f) => {
      const k = nameOf(f);
      if (!groups.has(k)) groups.set(k, []);
      groups.get(k).push(f);
    });
    const out = [...groups.entries()].map(([k, list]) => [k, list.sort((a, b) => String(timeOf(b)).localeCompare(String(timeOf(a))))]);
    return out.sort((a, b) => String(timeOf(b[1][0])).localeCompare(String(timeOf(a[1][0]))));
  }

  function methodColors(names) {
    let j = 0;
    return names.map((n) => (isOurs(n) ? OURS : PEER[j++ % PEER.length]));
  }

  function table(headers, rows, rowClass) {
    return SM.el("table", { class: "data" }, [
      SM.el("thead", {}, [SM.el("tr", {}, headers.map((h, i) => SM.el("th", { class: i ? "num" : "" }, [h])))]),
      SM.el("tbody", {}, rows.map((r, i) => SM.el("tr", { class: rowClass ? rowClass(i) : "" }, r.map((c, j) => SM.el("td", { class: j ? "num" : "" }, [c]))))),
    ]);
  }

  /** A chart whose bars are grouped by metric, one colour per method (ours in blue). */
  function metricChart(methods, metrics, value, title) {
    // methods x metrics: names only (the title too), shown as they are in every language
    const box = SM.el("div", { class: "chart", role: "img", "aria-label": title, translate: "no" });
    const colors = methodColors(methods);
    Charts.bars(box, {
      categories: metrics,
      series: methods.map((m, i) => ({ name: m, values: metrics.map((k) => value(m, k)), color: colors[i] })),
      yMax: 1,
      legend: true,
      namesAreData: true,
      title: title,
    });
    return box;
  }

  function historyChart(list, value, label) {
    if (list.length < 2) return null;
    const ordered = list.slice().reverse();
    const box = SM.el("div", { class: "chart small-chart", role: "img", "aria-label": label, translate: "no" });
    Charts.bars(box, {
      categories: ordered.map((f) => String(f.created_at || f.created || "").slice(0, 16).replace("T", " ")),
      series: [{ name: label, values: ordered.map(value), color: OURS }],
      yMax: 1,
      namesAreData: true,
      title: label,
      height: 160,
    });
    return SM.el("div", {}, [SM.el("h4", {}, [data(label), " " + SM.t("dash.eval.over_runs")]), box]);
  }

  /* ------------------------------------------------------------------ search */
  function renderSearch(files) {
    const root = $("search-results");
    root.textContent = "";
    if (!files.length) {
      root.appendChild(SM.el("p", { class: "muted hint" }, [SM.richText(SM.t("dash.eval.no_search"))]));
      return;
    }
    byDataset(files, (f) => f.dataset || f.format || "?", (f) => f.created_at || "").forEach(([dataset, list]) => {
      const f = list[0];
      const methods = Object.keys(f.methods || {});
      const sec = SM.el("article", { class: "eval-block", dataset: { kind: "search", dataset: dataset } }, [
        SM.el("h3", { translate: "no" }, [dataset]),
        SM.el("p", { class: "muted small" }, [
          SM.t("dash.eval.search_meta", {
            when: String(f.created_at || "").replace("T", " ").slice(0, 16), products: SM.fmt(f.n_products),
            queries: SM.fmt(f.n_queries), judgments: SM.fmt(f.n_judgments), grade: f.relevance_threshold ?? "?",
          }),
        ]),
      ]);
      const views = Object.keys((f.methods[methods[0]] || {}).views || {});
      views.forEach((view) => {
        const get = (m, k) => (((f.methods[m] || {}).views || {})[view] || {})[k];
        const sample = (f.methods[methods[0]].views || {})[view] || {};
        const metrics = Object.keys(sample).filter((k) => k.includes("@") && !k.endsWith("_queries"));
        // the view's name and the evaluation file's description of it (written by the CLI, in English)
        sec.appendChild(SM.el("h4", { translate: "no", lang: "en" }, [view + (f.views && f.views[view] ? " — " + f.views[view] : "")]));
        sec.appendChild(metricChart(methods, metrics, get, `${dataset}, ${view}: ${metrics.join(", ")}`));
        sec.appendChild(
          table(
            [SM.t("dash.eval.col.method")].concat(metrics.map(data), [SM.t("dash.eval.col.qps"), SM.t("dash.eval.col.fit")]),
            methods.map((m) => [data(m)].concat(metrics.map((k) => SM.fmt(get(m, k), 4)), [SM.fmt(get(m, "queries_per_second"), 0), SM.fmt(f.methods[m].fit_seconds, 2)])),
            (i) => (isOurs(methods[i]) ? "ours" : "")
          )
        );
      });
      const ours = methods.find(isOurs);
      const first = views[0];
      if (ours && first) {
        const h = historyChart(list, (x) => ((((x.methods || {})[ours] || {}).views || {})[first] || {})["ndcg@10"], `${ours} nDCG@10 (${first})`);
        if (h) sec.appendChild(h);
      }
      // the evaluation file's own notes, in the language the CLI wrote them (English)
      (f.notes || []).forEach((n) => sec.appendChild(SM.el("p", { class: "muted small note", lang: "en", translate: "no" }, [SM.richText(String(n))])));
      root.appendChild(sec);
    });
  }

  /* ------------------------------------------------------------------ recommendations */
  function recMetrics(test) {
    const first = Object.values(test)[0] || {};
    const all = Object.keys(first);
    const at10 = all.filter((k) => /@10$/.test(k));
    return at10.length ? at10 : all;
  }

  function renderRecs(files) {
    const root = $("recs-results");
    root.textContent = "";
    if (!files.length) {
      root.appendChild(SM.el("p", { class: "muted hint" }, [SM.richText(SM.t("dash.eval.no_recs"))]));
      return;
    }
    byDataset(files, (f) => f.format || f.dataset || "?", (f) => f.created || "").forEach(([dataset, list]) => {
      const f = list[0];
      const test = f.test || {};
      const methods = Object.keys(test);
      const metrics = recMetrics(test);
      const sizes = f.sizes || {};
      const sec = SM.el("article", { class: "eval-block", dataset: { kind: "recs", dataset: dataset } }, [
        SM.el("h3", { translate: "no" }, [dataset]),
        SM.el("p", { class: "muted small" }, [
          // the protocol as the evaluation file describes it (English) and the metric by its name
          SM.tf("dash.eval.recs_meta", {
            when: String(f.created || "").replace("T", " ").slice(0, 16), protocol: SM.name(f.protocol || ""),
            items: SM.fmt(sizes.items), users: SM.fmt(sizes.test_users),
          }),
          f.selection_metric ? SM.tf("dash.eval.tuned_on", { metric: SM.name(f.selection_metric) }) : "",
        ]),
      ]);
      const bounded = metrics.filter((k) => !/^novelty/.test(k)); // novelty is not in [0, 1]
      sec.appendChild(metricChart(methods, bounded, (m, k) => test[m][k], SM.t("dash.eval.test_chart", { dataset: dataset, metrics: bounded.join(", ") })));
      const timings = f.timings || {};
      sec.appendChild(
        table(
          [SM.t("dash.eval.col.method")].concat(metrics.map(data), [SM.t("dash.eval.col.fit")]),
          methods.map((m) => [data(m)].concat(metrics.map((k) => SM.fmt(test[m][k], 4)), [SM.fmt((timings[m] || {}).fit_s, 2)])),
          (i) => (isOurs(methods[i]) ? "ours" : "")
        )
      );
      const ours = methods.find(isOurs);
      if (ours) {
        const key = f.selection_metric || "ndcg@10";
        const h = historyChart(list, (x) => ((x.test || {})[ours] || {})[key], `${ours} ${key}`);
        if (h) sec.appendChild(h);
      }
      (f.protocol_notes || []).forEach((n) => sec.appendChild(SM.el("p", { class: "muted small note", lang: "en", translate: "no" }, [SM.richText(String(n))])));
      root.appendChild(sec);
    });
  }

  /* ------------------------------------------------------------------ assistant */
  // the headline figures `shopmind evaluate assistant` prints (assistant/cli.py GOALS), per labelled set
  // (key, goal, higher is better, column name)
  const assistantFigures = () => [
    ["intent_accuracy", 0.95, true, SM.t("dash.eval.a.intent_accuracy")],
    ["slot_exact_match", 0.95, true, SM.t("dash.eval.a.slot_exact_match")],
    ["answers_all_facts_correct", 0.95, true, SM.t("dash.eval.a.answers_all_facts_correct")],
    ["answers_with_unsupported_fact", 0, false, SM.t("dash.eval.a.answers_with_unsupported_fact")],
    ["out_of_scope_handoff_rate", 0.9, true, SM.t("dash.eval.a.out_of_scope_handoff_rate")],
  ];
  const figure = (v) => (typeof v === "number" ? SM.fmt(v, 3) : "–");

  function renderAssistant(files) {
    const root = $("assistant-results");
    root.textContent = "";
    if (!files.length) {
      root.appendChild(SM.el("p", { class: "muted hint" }, [SM.richText(SM.t("dash.eval.no_assistant"))]));
      return;
    }
    const ASSISTANT = assistantFigures();
    // one block per file (assistant_eval.json, assistant_eval_e5.json: with the e5 intent encoder)
    files.forEach((f) => {
      const sets = Object.entries(f.by_set || {}).concat([[SM.t("dash.eval.all"), f]]);
      const rows = sets.map(([set, part]) => [data(set), SM.fmt(part.questions)].concat(ASSISTANT.map(([k]) => figure(part[k]))));
      rows.push([SM.t("dash.eval.goal"), ""].concat(ASSISTANT.map(([, g, up]) => (up ? "≥ " : "≤ ") + SM.fmt(g, 2))));
      root.appendChild(SM.el("article", { class: "eval-block", dataset: { kind: "assistant", file: f.file } }, [
        SM.el("h3", { translate: "no" }, [f.file]),
        SM.el("p", { class: "muted small" }, [SM.t("dash.eval.assistant_meta", { questions: SM.fmt(f.questions), encoder: f.intent_encoder || "–" })]),
        table([SM.t("dash.eval.col.set"), SM.t("dash.eval.col.questions")].concat(ASSISTANT.map((a) => a[3])), rows,
          (i) => (i === sets.length - 1 ? "ours" : "")),
      ]));
    });
  }

  /* ------------------------------------------------------------------ forecast */
  function renderForecast(files) {
    const root = $("forecast-results");
    root.textContent = "";
    if (!files.length) {
      root.appendChild(SM.el("p", { class: "muted hint" }, [SM.richText(SM.t("dash.eval.no_forecast"))]));
      return;
    }
    const dsName = (f) => { const d = f.dataset || {}; return [d.format, d.grain, d.level].filter(Boolean).join(" · ") || "?"; };
    byDataset(files, dsName, (f) => f.date || "").forEach(([dataset, list]) => {
      const f = list[0];
      const models = Object.keys(f.models || {}).sort((a, b) => (f.models[a].mase ?? Infinity) - (f.models[b].mase ?? Infinity));
      const cols = ["mase", "rmsse", "bias", "coverage_80", "coverage_95"];
      root.appendChild(SM.el("article", { class: "eval-block", dataset: { kind: "forecast", dataset: dataset } }, [
        SM.el("h3", { translate: "no" }, [dataset]),
        SM.el("p", { class: "muted small" }, [SM.t("dash.eval.forecast_meta", {
          when: String(f.date || "").replace("T", " ").slice(0, 16), series: SM.fmt(f.series), horizon: SM.fmt(f.horizon), windows: SM.fmt(f.windows),
        })]),
        table([SM.t("dash.eval.col.method")].concat(cols.map(data)), models.map((m) => [data(m)].concat(cols.map((k) => figure(f.models[m][k])))),
          (i) => (isOurs(models[i]) ? "ours" : "")),
      ]));
    });
  }

  document.addEventListener("DOMContentLoaded", async () => {
    let body;
    try {
      body = await SM.api("/v1/evaluation", { storefront: false });
    } catch (e) {
      $("evaluation-error").textContent = SM.t("dash.unavailable", { what: SM.t("dash.eval.unavailable"), error: e.message });
      $("evaluation-error").hidden = false;
      for (const id of ["search-results", "recs-results", "assistant-results", "forecast-results"]) $(id).textContent = "";
      return;
    }
    renderSearch((body && body.search) || []);
    renderRecs((body && body.recs) || []);
    renderAssistant((body && body.assistant) || []);
    renderForecast((body && body.forecast) || []);
  });
})();
