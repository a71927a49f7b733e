/* Inline-SVG charts, small enough to read: grouped/stacked vertical bars and horizontal bars.
 * No chart library and nothing fetched: each chart is an <svg> built with DOM calls, with a
 * <title> on every bar so hovering shows the exact number.
 */
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg"; // the SVG namespace name (an identifier, never fetched)
  const LABEL_CHAR_PX = 7.2; // width of one character of an axis label (12px UI font), generous
  const MAX_LABEL_PX = 420;
  const PALETTE = ["#2457c5", "#d9822b", "#2e9e5b", "#b8336a", "#6f4bd8", "#1c9aa8", "#8a8f98", "#c7a200"];

  function svg(tag, attrs, children) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) n.setAttribute(k, v);
    for (const c of [].concat(children || [])) {
      if (c === null || c === undefined) continue;
      n.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return n;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    // multiples whose quarters are round too (the axis has 4 steps)
    for (const m of [1, 1.2, 1.6, 2, 2.4, 3.2, 4, 6, 8, 10]) if (m * p >= v - 1e-9) return m * p;
    return 10 * p;
  }

  function defaultFormat(v) {
    if (v === null || v === undefined || isNaN(v)) return "–";
    if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString(SM.lang);
    if (Number.isInteger(v)) return String(v);
    return String(parseFloat(Math.abs(v) < 1 ? v.toFixed(3) : v.toFixed(2)));
  }

  function shorten(s, n) {
    const a = Array.from(String(s));
    return a.length > n ? a.slice(0, n - 1).join("") + "…" : a.join("");
  }

  function legend(series, namesAreData) {
    const box = document.createElement("div");
    box.className = "legend";
    if (namesAreData) box.setAttribute("translate", "no");
    series.forEach((s, i) => {
      const item = document.createElement("span");
      const sw = document.createElement("i");
      sw.style.background = s.color || PALETTE[i % PALETTE.length];
      item.appendChild(sw);
      item.appendChild(document.createTextNode(s.name));
      box.appendChild(item);
    });
    return box;
  }

  /**
   * Vertical bars: one group per category, one bar per series (or one stacked bar when stacked).
   * opts: {categories, series: [{name, values, color}], stacked, yMax, format, height, title, namesAreData}
   */
  function bars(el, opts) {
    const cats = opts.categories || [];
    const series = opts.series || [];
    const fmt = opts.format || defaultFormat;
    el.textContent = "";
    if (!cats.length || !series.length) {
      el.appendChild(document.createTextNode(SM.t("dash.chart.no_data")));
      return;
    }
    const groupW = Math.max(28, Math.min(140, 600 / cats.length));
    const rotate = groupW < 70; // many categories: slanted labels instead of truncated ones
    const padL = rotate ? 96 : 56, padR = 12, padT = 12, padB = rotate ? 96 : 48;
    const H = (opts.height || 220) + (rotate ? 48 : 0);
    const W = padL + padR + groupW * cats.length;
    const totals = cats.map((_, i) =>
      opts.stacked ? series.reduce((a, s) => a + (Number(s.values[i]) || 0), 0) : Math.max(...series.map((s) => Number(s.values[i]) || 0))
    );
    const yMax = opts.yMax || niceMax(Math.max(...totals));
    const y = (v) => padT + (H - padT - padB) * (1 - v / yMax);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart-svg", role: "img" });
    if (opts.title) root.appendChild(svg("title", {}, [opts.title]));
    for (let t = 0; t <= 4; t++) {
      const v = (yMax * t) / 4;
      root.appendChild(svg("line", { x1: padL, x2: W - padR, y1: y(v), y2: y(v), class: "grid" }));
      root.appendChild(svg("text", { x: padL - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, [fmt(v)]));
    }
    cats.forEach((c, i) => {
      const gx = padL + i * groupW;
      const inner = groupW * 0.78;
      const bw = opts.stacked ? inner : inner / series.length;
      let acc = 0;
      series.forEach((s, j) => {
        const v = Number(s.values[i]) || 0;
        const color = (s.colors && s.colors[i]) || s.color || PALETTE[j % PALETTE.length];
        const x = gx + (groupW - inner) / 2 + (opts.stacked ? 0 : j * bw);
        const top = opts.stacked ? y(acc + v) : y(v);
        const bottom = opts.stacked ? y(acc) : y(0);
        root.appendChild(
          svg("rect", { x: x, y: top, width: Math.max(1, bw - 1), height: Math.max(0, bottom - top), fill: color, class: "bar", "data-series": s.name, "data-category": c, "data-value": v }, [
            svg("title", {}, [`${c} — ${s.name}: ${fmt(v)}`]),
          ])
        );
        acc += v;
      });
      const lx = gx + groupW / 2, ly = H - padB + 14;
      const label = rotate
        ? svg("text", { x: lx, y: ly, "text-anchor": "end", class: "axis", transform: `rotate(-40 ${lx} ${ly})` }, [shorten(c, 19)])
        : svg("text", { x: lx, y: ly, "text-anchor": "middle", class: "axis" }, [shorten(c, Math.floor(groupW / 6))]);
      label.appendChild(svg("title", {}, [c]));
      root.appendChild(label);
    });
    root.appendChild(svg("line", { x1: padL, x2: W - padR, y1: y(0), y2: y(0), class: "baseline" }));
    el.appendChild(root);
    // namesAreData: the categories and series are names shown as they are in every language
    // (methods, metrics): marked translate="no" like the pages' other data
    if (opts.namesAreData) root.setAttribute("translate", "no");
    if (series.length > 1 || opts.legend) el.appendChild(legend(series, opts.namesAreData));
  }

  /**
   * Horizontal bars with long labels (check codes, column names) and an optional threshold line.
   * opts: {labels, values, colors, threshold, thresholdLabel, format, xMax, title, namesAreData}
   */
  function hbars(el, opts) {
    const labels = opts.labels || [];
    const values = (opts.values || []).map((v) => Number(v) || 0);
    const fmt = opts.format || defaultFormat;
    el.textContent = "";
    if (!labels.length) {
      el.appendChild(document.createTextNode(opts.empty || SM.t("dash.chart.no_data")));
      return;
    }
    // the label column fits the longest label (check codes are typed back: never clipped)
    const longest = Math.max(...labels.map((l) => Array.from(String(l)).length));
    const rowH = 20, padL = Math.min(MAX_LABEL_PX, Math.max(120, Math.ceil(longest * LABEL_CHAR_PX) + 14)), padR = 70, padT = 8, padB = 22;
    const W = padL + 430 + padR;
    const H = padT + padB + rowH * labels.length;
    const xMax = opts.xMax || niceMax(Math.max(...values, opts.threshold || 0));
    const x = (v) => padL + (W - padL - padR) * Math.min(1, v / xMax);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart-svg", role: "img" });
    if (opts.title) root.appendChild(svg("title", {}, [opts.title]));
    labels.forEach((lab, i) => {
      const top = padT + i * rowH;
      const color = (opts.colors && opts.colors[i]) || PALETTE[0];
      const t = svg("text", { x: padL - 6, y: top + rowH / 2 + 4, "text-anchor": "end", class: "axis label" }, [shorten(lab, Math.floor((MAX_LABEL_PX - 14) / LABEL_CHAR_PX))]);
      t.appendChild(svg("title", {}, [lab]));
      root.appendChild(t);
      root.appendChild(
        svg("rect", { x: padL, y: top + 3, width: Math.max(1, x(values[i]) - padL), height: rowH - 6, fill: color, class: "bar", "data-label": lab, "data-value": values[i] }, [
          svg("title", {}, [`${lab}: ${fmt(values[i])}`]),
        ])
      );
      root.appendChild(svg("text", { x: x(values[i]) + 4, y: top + rowH / 2 + 4, class: "axis value" }, [fmt(values[i])]));
    });
    if (opts.threshold !== undefined && opts.threshold !== null) {
      const tx = x(opts.threshold);
      root.appendChild(svg("line", { x1: tx, x2: tx, y1: padT - 4, y2: H - padB + 4, class: "threshold" }));
      root.appendChild(svg("text", { x: tx, y: H - 6, "text-anchor": "middle", class: "axis threshold-label" }, [(opts.thresholdLabel || SM.t("dash.chart.limit")) + " " + fmt(opts.threshold)]));
    }
    root.appendChild(svg("line", { x1: padL, x2: padL, y1: padT - 4, y2: H - padB + 4, class: "baseline" }));
    if (opts.namesAreData) root.setAttribute("translate", "no");
    el.appendChild(root);
  }

  /**
   * An estimate with its interval per category (a day): a dot on a vertical whisker from lo to
   * hi, around a zero line (no difference). Why: a readout's effect read day by day is only
   * meaningful with its interval - whether the interval still holds zero is the decision.
   * opts: {categories, values, lo, hi, format, title, name, namesAreData, height}
   */
  function intervals(el, opts) {
    const cats = opts.categories || [];
    const fmt = opts.format || defaultFormat;
    el.textContent = "";
    const num = (v) => (v === null || v === undefined || isNaN(Number(v)) ? null : Number(v));
    const vals = (opts.values || []).map(num), lo = (opts.lo || []).map(num), hi = (opts.hi || []).map(num);
    const seen = [...vals, ...lo, ...hi].filter((v) => v !== null && isFinite(v));
    if (!cats.length || !seen.length) {
      el.appendChild(document.createTextNode(SM.t("dash.chart.no_data")));
      return;
    }
    const groupW = Math.max(28, Math.min(90, 600 / cats.length));
    const rotate = groupW < 70;
    const span = niceMax(Math.max(...seen.map(Math.abs))); // symmetric around zero: both signs read alike
    const tick = (v) => (v > 0 ? "+" : "") + fmt(v);
    // the margin fits the widest axis label (a unit in Chinese is two or more wide characters)
    const labelPx = (s) => Array.from(s).reduce((w, ch) => w + (/[\u2e80-\uffff]/.test(ch) ? 12 : LABEL_CHAR_PX), 0);
    const padL = Math.max(64, 12 + Math.max(...[-2, -1, 0, 1, 2].map((t) => labelPx(tick((span * t) / 2)))));
    const padR = 12, padT = 12, padB = rotate ? 96 : 48;
    const H = (opts.height || 220) + (rotate ? 48 : 0);
    const W = padL + padR + groupW * cats.length;
    const y = (v) => padT + (H - padT - padB) * (1 - (Math.max(-span, Math.min(span, v)) + span) / (2 * span));
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: "chart-svg", role: "img" });
    if (opts.title) root.appendChild(svg("title", {}, [opts.title]));
    for (let t = -2; t <= 2; t++) {
      const v = (span * t) / 2;
      root.appendChild(svg("line", { x1: padL, x2: W - padR, y1: y(v), y2: y(v), class: t === 0 ? "baseline" : "grid" }));
      root.appendChild(svg("text", { x: padL - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, [tick(v)]));
    }
    cats.forEach((c, i) => {
      const cx = padL + i * groupW + groupW / 2;
      const text = `${c} — ${opts.name || ""}: ${fmt(vals[i])} [${fmt(lo[i])}, ${fmt(hi[i])}]`;
      if (lo[i] !== null && hi[i] !== null) {
        root.appendChild(svg("line", { x1: cx, x2: cx, y1: y(hi[i]), y2: y(lo[i]), class: "whisker", stroke: PALETTE[0], "stroke-width": 2, "data-lo": lo[i], "data-hi": hi[i] }, [svg("title", {}, [text])]));
        for (const v of [lo[i], hi[i]]) root.appendChild(svg("line", { x1: cx - 5, x2: cx + 5, y1: y(v), y2: y(v), stroke: PALETTE[0], "stroke-width": 2 }));
      }
      if (vals[i] !== null) root.appendChild(svg("circle", { cx: cx, cy: y(vals[i]), r: 4, fill: PALETTE[0], class: "estimate", "data-value": vals[i] }, [svg("title", {}, [text])]));
      const lx = cx, ly = H - padB + 14;
      const label = rotate
        ? svg("text", { x: lx, y: ly, "text-anchor": "end", class: "axis", transform: `rotate(-40 ${lx} ${ly})` }, [shorten(c, 19)])
        : svg("text", { x: lx, y: ly, "text-anchor": "middle", class: "axis" }, [shorten(c, Math.floor(groupW / 6))]);
      root.appendChild(label);
    });
    el.appendChild(root);
    if (opts.namesAreData) root.setAttribute("translate", "no");
    if (opts.name) el.appendChild(legend([{ name: opts.name }], opts.namesAreData));
  }

  return { bars, hbars, intervals, PALETTE, niceMax };
})();
