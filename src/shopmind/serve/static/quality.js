/* Data-quality dashboard: runs over time, then one run's account, failing checks, drift.
 * Opens on the newest full batch (a `shopmind ingest`), not on the small runs that drain live
 * API traffic into the store; the run picker and the table reach every run. Calls are
 * authorised by the dashboard cookie (never the storefront key). */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const RUN_LIMIT = 30;
  const GREEN = "#2e9e5b", RED = "#c8372d", AMBER = "#d9822b", GREY = "#8a8f98";
  const LIVE_SOURCE = "live-api"; // runs that drain the API's live log (release/drain.py)
  const get = (path) => SM.api(path, { storefront: false });

  function pick(obj, names) {
    for (const n of names) if (obj && obj[n] !== undefined && obj[n] !== null) return obj[n];
    return undefined;
  }

  /** A run row from the list, whatever the exact column names (store columns or summary totals). */
  function runRow(r) {
    const t = Object.assign({}, r.totals || {});
    if (!r.totals && r.account) {
      // the list carries the per-table account only: the run's totals are its sums
      for (const k of ["input", "accepted", "quarantined"]) {
        t[k] = Object.values(r.account).reduce((a, x) => a + (Number((x || {})[k]) || 0), 0);
      }
    }
    return {
      id: String(pick(r, ["run_id", "id"])),
      source: pick(r, ["source"]) || "",
      status: pick(r, ["status"]) || "",
      started: pick(r, ["started_at", "finished_at", "created_at"]),
      input: Number(pick(r, ["input_rows", "input"]) ?? t.input ?? NaN),
      accepted: Number(pick(r, ["accepted", "accepted_rows"]) ?? t.accepted ?? NaN),
      quarantined: Number(pick(r, ["quarantined", "quarantined_rows"]) ?? t.quarantined ?? NaN),
      repaired: Number(pick(r, ["repaired_cells"]) ?? t.repaired_cells ?? NaN),
    };
  }

  /** "20261122T220512179561Z" -> "2026-11-22 22:05:12" (run ids are UTC timestamps). */
  function runLabel(id, started) {
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(id);
    if (m) return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}`;
    return started ? String(started).replace("T", " ").slice(0, 19) : id;
  }

  /** The run's HTML report in the page's language (the words the dashboard also shows) and, for a
   * check, at its row (``#check-TABLE-CODE``): it opened at the top, in English (session 32). */
  function reportHref(id, check) {
    const lang = SM.lang && SM.lang !== "en" ? "&lang=" + encodeURIComponent(SM.lang) : "";
    const at = check ? "#check-" + encodeURIComponent(check.table) + "-" + encodeURIComponent(check.code) : "";
    return "/v1/quality/runs/" + encodeURIComponent(id) + "?format=html" + lang + at;
  }

  function showError(msg) {
    $("quality-error").textContent = "";
    $("quality-error").appendChild(SM.richText(msg || ""));
    $("quality-error").hidden = !msg;
  }

  function td(text, cls) {
    return SM.el("td", { class: cls || "" }, [text === undefined || text === null ? "" : String(text)]);
  }

  /** A cell of data shown as it is in every language (a table name, a source): not translated. */
  function tdData(text, cls) {
    const cell = td(text, cls);
    cell.setAttribute("translate", "no");
    return cell;
  }

  const unavailable = (what, e) => SM.t("dash.unavailable", { what: what, error: e.message });

  /** What a check means, in the page's language (the API's summary is English). */
  function meaning(c) {
    const text = SM.term("dash.check.", c.code);
    return text === c.code ? c.summary || "" : text;
  }

  let runs = [];

  async function loadRuns() {
    let body;
    try {
      body = await get("/v1/quality/runs" + SM.query({ limit: RUN_LIMIT }));
    } catch (e) {
      showError(unavailable(SM.t("dash.quality.err.runs"), e));
      return;
    }
    const list = Array.isArray(body) ? body : body.runs || body.items || [];
    runs = list.map(runRow);
    // the list may lack the counts: fill them from each run's summary
    const missing = runs.filter((r) => isNaN(r.accepted));
    await Promise.all(
      missing.map(async (r) => {
        try {
          const s = unwrap(await get("/v1/quality/runs/" + encodeURIComponent(r.id)));
          Object.assign(r, runRow(Object.assign({ run_id: r.id }, s)));
        } catch (_e) {
          /* keep NaN: shown as – */
        }
      })
    );
    renderRuns();
    const wanted = new URLSearchParams(window.location.hash.slice(1)).get("run");
    const first = runs.find((r) => r.id === wanted) || defaultRun(runs);
    if (first) selectRun(first.id);
    else showError(SM.t("dash.quality.no_runs"));
  }

  /** The newest full batch: not a live-log drain (often a handful of rows), else the newest run. */
  function defaultRun(list) {
    return list.find((r) => r.source !== LIVE_SOURCE) || list[0];
  }

  function runOption(r) {
    const rows = isNaN(r.input) ? "" : " · " + SM.t("dash.quality.rows", { n: SM.fmt(r.input) });
    return `${runLabel(r.id, r.started)} · ${r.source || "?"}${rows} · ${r.status ? SM.term("dash.status.", r.status) : "?"}`;
  }

  function unwrap(body) {
    return body && body.summary && body.summary.checks ? body.summary : body;
  }

  function renderRuns() {
    const ordered = runs.slice().reverse(); // oldest first, left to right
    Charts.bars($("runs-chart"), {
      categories: ordered.map((r) => runLabel(r.id, r.started)),
      series: [
        { name: SM.t("dash.quality.col.accepted"), values: ordered.map((r) => r.accepted), color: GREEN },
        { name: SM.t("dash.quality.col.quarantined"), values: ordered.map((r) => r.quarantined), color: RED },
      ],
      stacked: true,
      title: SM.t("dash.quality.runs_chart"),
    });
    const picker = $("run-picker");
    picker.textContent = "";
    runs.forEach((r) => picker.appendChild(SM.el("option", { value: r.id }, [runOption(r)])));
    if (!picker.dataset.bound) {
      picker.dataset.bound = "1";
      picker.addEventListener("change", () => {
        history.replaceState(null, "", "#run=" + encodeURIComponent(picker.value));
        selectRun(picker.value);
      });
    }
    const tbody = $("runs-table").querySelector("tbody");
    tbody.textContent = "";
    runs.forEach((r) => {
      const link = SM.el("a", { href: "#run=" + encodeURIComponent(r.id) }, [runLabel(r.id, r.started)]);
      link.addEventListener("click", (e) => {
        e.preventDefault();
        history.replaceState(null, "", "#run=" + encodeURIComponent(r.id));
        selectRun(r.id);
      });
      tbody.appendChild(
        SM.el("tr", { dataset: { runId: r.id } }, [
          SM.el("td", {}, [link]),
          tdData(r.source),
          SM.el("td", {}, [SM.el("span", { class: "badge " + r.status }, [SM.term("dash.status.", r.status)])]),
          td(SM.fmt(r.input), "num"),
          td(SM.fmt(r.accepted), "num"),
          td(SM.fmt(r.quarantined), "num"),
          td(SM.fmt(r.repaired), "num"),
          SM.el("td", {}, [SM.el("a", { href: reportHref(r.id), target: "_blank", rel: "noopener" }, [SM.t("dash.quality.html_report")])]),
        ])
      );
    });
  }

  async function selectRun(id) {
    document.querySelectorAll("#runs-table tbody tr").forEach((tr) => tr.classList.toggle("selected", tr.dataset.runId === id));
    $("run-picker").value = id;
    let s;
    try {
      s = unwrap(await get("/v1/quality/runs/" + encodeURIComponent(id)));
    } catch (e) {
      showError(unavailable(SM.t("dash.quality.err.run", { id: id }), e));
      return;
    }
    showError("");
    // the run list has no repaired-cell count; the run's summary does
    const tr = document.querySelector(`#runs-table tbody tr[data-run-id="${CSS.escape(id)}"]`);
    const repaired = (s.totals || {}).repaired_cells;
    if (tr && repaired !== undefined) tr.children[6].textContent = SM.fmt(repaired);
    renderRun(id, s);
  }

  function renderRun(id, s) {
    $("run-panel").hidden = false;
    $("run-id").textContent = id;
    const badge = $("run-status");
    badge.textContent = s.status ? SM.term("dash.status.", s.status) : "";
    badge.className = "badge " + (s.status || "");
    const t = s.totals || {};
    $("run-meta").replaceChildren(SM.tf("dash.quality.meta", {
      source: SM.name(s.source || "?"), input: SM.fmt(t.input), accepted: SM.fmt(t.accepted),
      quarantined: SM.fmt(t.quarantined), repaired: SM.fmt(t.repaired_cells), exit: s.exit_code ?? "?",
    }));

    // per-table account
    const tb = $("account-table").querySelector("tbody");
    tb.textContent = "";
    Object.entries(s.account || {}).forEach(([table, a]) => {
      const kept = a.input ? a.accepted / a.input : NaN;
      tb.appendChild(SM.el("tr", { dataset: { table: table } }, [
        tdData(table), td(SM.fmt(a.input), "num"), td(SM.fmt(a.accepted), "num"), td(SM.fmt(a.quarantined), "num"),
        td(SM.pct(kept), "num"),
      ]));
    });
    const held = s.held_by || [];
    $("held-by").hidden = !held.length;
    $("held-by").textContent = held.length ? SM.t("dash.quality.held_by", { checks: held.join(", ") }) : "";

    // failures by check
    const checks = (s.checks || []).slice().sort((a, b) => (b.failed || 0) - (a.failed || 0));
    const rowChecks = checks.filter((c) => c.action !== "batch");
    Charts.hbars($("checks-chart"), {
      labels: rowChecks.map((c) => c.table + ":" + c.code),
      values: rowChecks.map((c) => c.failed),
      colors: rowChecks.map((c) => (c.action === "quarantine" ? RED : c.action === "repair" ? GREEN : AMBER)),
      empty: SM.t("dash.quality.no_failure"),
      namesAreData: true, // table:CHECK_CODE labels
      title: SM.t("dash.quality.checks_chart"),
    });
    const examples = s.examples || {};
    const ctb = $("checks-table").querySelector("tbody");
    ctb.textContent = "";
    checks.forEach((c) => {
      const ex = examples[c.table + ":" + c.code];
      let exCell;
      if (Array.isArray(ex) && ex.length) {
        exCell = SM.el("details", {}, [
          SM.el("summary", {}, [SM.tn("dash.quality.examples", ex.length)]),
          SM.el("ul", { class: "examples" }, ex.map((r) =>
            SM.el("li", {}, [SM.el("span", { class: "muted" }, [r.line != null
              ? SM.t("dash.quality.example_row_line", { row: r.row ?? "?", line: r.line })
              : SM.t("dash.quality.example_row", { row: r.row ?? "?" })]),
              // the gate's own words about this row (English, like the report file), then the row
              SM.el("span", { lang: "en", translate: "no" }, [String(r.what || "")]), " ",
              SM.el("code", {}, [typeof r.data === "string" ? r.data : JSON.stringify(r.data)])])
          )),
        ]);
      } else {
        exCell = SM.el("a", { href: reportHref(id, c), target: "_blank", rel: "noopener" }, [SM.t("dash.quality.in_report")]);
      }
      ctb.appendChild(SM.el("tr", { class: c.crossed ? "crossed" : "", dataset: { code: c.code, table: c.table } }, [
        SM.el("td", {}, [SM.el("code", {}, [c.code])]),
        tdData(c.table), td(SM.term("dash.action.", c.action)), td(SM.term("dash.severity.", c.severity)),
        td(SM.fmt(c.failed), "num"),
        td(c.fraction === undefined ? "–" : (c.action === "batch" ? SM.fmt(c.fraction, 3) : SM.pct(c.fraction, 2)), "num"),
        td(c.threshold === undefined ? "–" : (c.action === "batch" ? SM.fmt(c.threshold, 3) : SM.pct(c.threshold, 2)), "num"),
        td(c.crossed ? SM.t("dash.quality.yes") : SM.t("dash.quality.no")),
        td(meaning(c)),
        SM.el("td", {}, [exCell]),
      ]));
    });
    if (!checks.length) ctb.appendChild(SM.el("tr", {}, [SM.el("td", { colspan: "10", class: "muted" }, [SM.t("dash.quality.all_passed")])]));

    // drift
    const drift = (s.drift || []).slice().sort((a, b) => (b.psi || 0) - (a.psi || 0));
    const driftCheck = (s.checks || []).find((c) => c.code === "BATCH_DRIFT");
    const psiLimit = driftCheck ? driftCheck.threshold : 0.2;
    Charts.hbars($("drift-chart"), {
      labels: drift.map((d) => d.table + "." + d.column),
      values: drift.map((d) => d.psi),
      colors: drift.map((d) => (d.drifted ? RED : GREY)),
      threshold: drift.length ? psiLimit : undefined,
      thresholdLabel: driftCheck ? SM.t("dash.quality.psi_limit") : SM.t("dash.quality.default_psi_limit"),
      empty: SM.t("dash.quality.no_drift"),
      namesAreData: true, // table.column labels
      title: SM.t("dash.quality.drift_chart"),
    });
    $("drift-note").textContent = drift.length
      ? SM.t("dash.quality.drift_note", { drifted: drift.filter((d) => d.drifted).length, n: drift.length }) +
        (driftCheck && driftCheck.detail && driftCheck.detail.reference_run ? SM.t("dash.quality.reference_run", { run: driftCheck.detail.reference_run }) : "")
      : "";
    drift.forEach((d, i) => {
      const bar = $("drift-chart").querySelectorAll("rect.bar")[i];
      if (bar) {
        bar.firstChild.textContent = SM.t("dash.quality.drift_bar", { column: d.table + "." + d.column, psi: SM.fmt(d.psi, 3), js: SM.fmt(d.js, 3), method: d.method }) +
          (d.drifted ? SM.t("dash.quality.drifted") : "");
      }
    });

    // completeness
    // a share counted over some rows only (events.query: search events) says so
    const comp = $("completeness");
    comp.textContent = "";
    const scopes = s.completeness_scope || {};
    Object.entries(s.completeness || {}).forEach(([table, cols]) => {
      const entries = Object.entries(cols || {});
      const over = scopes[table] || {};
      comp.appendChild(SM.el("div", { class: "comp-table", dataset: { table: table } }, [
        SM.el("h4", { translate: "no" }, [table]),
        SM.el("ul", {}, entries.map(([col, v]) => {
          return SM.el("li", { class: v < 0.95 ? "low" : "", title: SM.t("dash.quality.share_title", { share: SM.pct(v, 2) }), dataset: { column: col, share: v } }, [
            SM.el("span", { class: "comp-col", translate: "no" }, [col, over[col] ? SM.el("span", { class: "comp-scope muted" }, [" (" + over[col] + ")"]) : ""]),
            SM.el("span", { class: "comp-bar" }, [SM.el("i", { style: { width: Math.round(100 * v) + "%" } })]),
            SM.el("span", { class: "comp-val" }, [SM.pct(v)]),
          ]);
        })),
      ]));
    });
  }

  document.addEventListener("DOMContentLoaded", loadRuns);
})();
