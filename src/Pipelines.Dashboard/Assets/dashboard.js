// The Pipelines dashboard: polls the JSON API once a second and draws the selected run. Read-only; no dependencies.
(() => {
  "use strict";
  const svgNs = "http://www.w3.org/2000/svg";
  const pollMs = 1000;
  let selected = null;
  let busy = false;

  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const svg = (tag, attrs = {}, text) => {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // ---- formatting ----
  const count = (n) => {
    if (n === null || n === undefined) return "–";
    const a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(2) + "G";
    if (a >= 1e6) return (n / 1e6).toFixed(2) + "M";
    if (a >= 1e4) return (n / 1e3).toFixed(1) + "k";
    return Math.round(n).toLocaleString("en-US");
  };
  const rate = (n) => (n === null || n === undefined ? "–" : count(n) + "/s");
  const ms = (v) => {
    if (v === null || v === undefined) return "–";
    const a = Math.abs(v);
    if (a < 1000) return Math.round(v) + " ms";
    if (a < 60000) return (v / 1000).toFixed(1) + " s";
    if (a < 3600000) return (v / 60000).toFixed(1) + " min";
    if (a < 86400000) return (v / 3600000).toFixed(1) + " h";
    return (v / 86400000).toFixed(1) + " d";
  };
  const duration = (seconds) => {
    const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h ? h + "h " : "") + (h || m ? m + "m " : "") + (s % 60) + "s";
  };
  const share = (v) => (v === null || v === undefined ? "–" : Math.round(v / 10) + "%");
  const time = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : "–");

  // ---- data ----
  async function getJson(path) {
    const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(path + ": HTTP " + response.status);
    return response.json();
  }

  async function poll() {
    if (busy) return;
    busy = true;
    try {
      const runs = await getJson("api/runs");
      const fromHash = Number((location.hash.match(/run=(\d+)/) || [])[1]);
      if (runs.some((r) => r.id === fromHash)) selected = fromHash;
      if (!runs.some((r) => r.id === selected)) {
        const live = runs.filter((r) => r.state === "running" || r.state === "draining");
        selected = (live[live.length - 1] || runs[runs.length - 1] || {}).id ?? null;
      }
      renderRuns(runs);
      if (selected !== null) render(await getJson("api/runs/" + selected));
      $("run").hidden = selected === null;
      $("empty").hidden = selected !== null;
      setConnection(true);
    } catch (e) {
      setConnection(false, e.message);
    } finally {
      busy = false;
    }
  }

  function setConnection(ok, message) {
    const c = $("connection");
    c.className = "connection " + (ok ? "live" : "lost");
    c.textContent = ok ? "live · updated " + new Date().toLocaleTimeString("en-GB") : "disconnected: " + message;
  }

  // ---- runs list ----
  function renderRuns(runs) {
    const list = $("runs");
    list.replaceChildren(...runs.slice().reverse().map((r) => {
      const a = el("a", { href: "#run=" + r.id, class: r.id === selected ? "selected" : "", "data-run-id": String(r.id) });
      a.append(el("span", { class: "name" }, r.pipeline), el("span", { class: "state " + r.state }, r.state),
        el("span", { class: "sub" }, " " + r.executor + " · " + duration(r.uptimeSeconds)));
      a.addEventListener("click", () => { selected = r.id; setTimeout(poll, 0); });
      const li = el("li");
      li.append(a);
      return li;
    }));
  }

  // ---- one run ----
  function render(view) {
    const r = view.run;
    $("run-title").textContent = r.pipeline;
    const state = $("run-state");
    state.textContent = r.state;
    state.className = "state " + r.state;
    $("run-meta").textContent = "run " + r.id + " · " + r.executor + " executor · started " + time(r.startedAt) + " · up " + duration(r.uptimeSeconds);
    $("run-error").hidden = !r.error;
    $("run-error").textContent = r.error || "";
    renderTotals(r, view.checkpoints);
    renderGraph(view.nodes, view.edges);
    lineChart($("chart-throughput"), view.history, [
      { key: "readPerSecond", label: "read", color: "#3b82f6" },
      { key: "writtenPerSecond", label: "written", color: "#16a34a" },
    ], count);
    lineChart($("chart-lag"), view.history, [{ key: "watermarkLagMs", label: "lag", color: "#d97706" }], ms);
    renderNodes(view.nodes);
    renderCheckpoints(view.checkpoints);
    renderKafka(view.kafka);
  }

  function renderTotals(r, checkpoints) {
    const cards = [
      ["read", count(r.elementsRead), "total-read"], ["written", count(r.resultsWritten), "total-written"],
      ["late dropped", count(r.lateElementsDropped), "total-late"], ["skipped", count(r.elementsSkipped), "total-skipped"],
      ["dead-lettered", count(r.elementsDeadLettered), "total-dead-lettered"], ["checkpoints", count(checkpoints.completed), "total-checkpoints"],
      ["uptime", duration(r.uptimeSeconds), "total-uptime"],
    ];
    $("totals").replaceChildren(...cards.map(([label, value, id]) => {
      const card = el("div", { class: "card" });
      card.append(el("div", { class: "label" }, label), el("div", { class: "value", id }, value));
      return card;
    }));
  }

  // Left to right: a node's column is one more than its furthest upstream node's.
  function layout(nodes, edges) {
    const column = new Map(), upstream = new Map();
    for (const n of nodes) upstream.set(n.id, []);
    for (const e of edges) upstream.get(e.to)?.push(e.from);
    const depth = (id, seen = new Set()) => {
      if (column.has(id)) return column.get(id);
      if (seen.has(id)) return 0;
      seen.add(id);
      const ups = upstream.get(id) || [];
      const d = ups.length ? 1 + Math.max(...ups.map((u) => depth(u, seen))) : 0;
      column.set(id, d);
      return d;
    };
    nodes.forEach((n) => depth(n.id));
    const rows = new Map(), position = new Map();
    for (const n of nodes) {
      const c = column.get(n.id), r = rows.get(c) || 0;
      rows.set(c, r + 1);
      position.set(n.id, { c, r });
    }
    return { position, columns: Math.max(0, ...column.values()) + 1, rows: Math.max(1, ...rows.values()) };
  }

  const W = 190, H = 96, GX = 120, GY = 26, PAD = 16;

  function backpressureColour(n) {
    if (!n.hasTask || n.backpressuredMsPerSecond === null) return "#f8fafc";
    const f = Math.min(1, Math.max(0, n.backpressuredMsPerSecond / 1000));
    return "hsl(" + Math.round(130 - 130 * f) + ", 70%, " + Math.round(92 - 8 * f) + "%)";
  }

  function renderGraph(nodes, edges) {
    const g = $("graph");
    const { position, columns, rows } = layout(nodes, edges);
    const width = PAD * 2 + columns * W + (columns - 1) * GX, height = PAD * 2 + rows * H + (rows - 1) * GY;
    g.setAttribute("viewBox", "0 0 " + width + " " + height);
    g.style.width = "100%";
    g.style.maxWidth = width + "px";
    const at = (id) => { const p = position.get(id); return { x: PAD + p.c * (W + GX), y: PAD + p.r * (H + GY) }; };
    const parts = [];
    const defs = svg("defs");
    const marker = svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: "9", refY: "5", markerWidth: "7", markerHeight: "7", orient: "auto-start-reverse" });
    marker.append(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#6b7280" }));
    defs.append(marker);
    parts.push(defs);
    for (const e of edges) {
      const a = at(e.from), b = at(e.to);
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      const group = svg("g", { class: "edge-group", "data-from": e.from, "data-to": e.to });
      group.append(svg("path", { class: "edge" + (e.channel ? " channel" : ""), d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2 - 2} ${y2}`, "marker-end": "url(#arrow)" }));
      const lines = [e.byKey ? "by key" : e.channel ? "channel" : "fused"];
      if (e.channel) lines.push("queue " + e.queued + "/" + e.queueCapacity);
      lines.forEach((line, i) => {
        const lx = mx, ly = (y1 + y2) / 2 - 8 - (lines.length - 1 - i) * 14;
        group.append(svg("rect", { class: "edge-label-bg", x: lx - line.length * 3.2, y: ly - 10, width: line.length * 6.4, height: 13, rx: 3 }));
        group.append(svg("text", { class: "edge-label", x: lx, y: ly, "text-anchor": "middle", "data-edge-label": i === 0 ? "kind" : "queue" }, line));
      });
      parts.push(group);
    }
    for (const n of nodes) {
      const { x, y } = at(n.id);
      const node = svg("g", { class: "node", transform: `translate(${x},${y})`, "data-node-id": n.id, "data-name": n.name, "data-kind": n.kind, "data-elements-in": String(n.elementsIn), "data-elements-out": String(n.elementsOut) });
      node.append(svg("title", {}, n.name + (n.detail ? " (" + n.detail + ")" : "")));
      node.append(svg("rect", { width: W, height: H, rx: 8, fill: backpressureColour(n), stroke: n.hasTask ? "#64748b" : "#94a3b8", "stroke-dasharray": n.hasTask ? "" : "4 3", "stroke-width": 1.3 }));
      const title = n.name.length > 24 ? n.name.slice(0, 23) + "…" : n.name;
      node.append(svg("text", { class: "node-title", x: 10, y: 18 }, title));
      const sub = n.kind + (n.parallelism > 1 ? " ×" + n.parallelism : "") + (n.detail ? " · " + n.detail : "");
      node.append(svg("text", { class: "node-sub", x: 10, y: 33 }, sub.length > 34 ? sub.slice(0, 33) + "…" : sub));
      node.append(svg("text", { class: "node-rates", x: 10, y: 50 }, "in " + rate(n.inPerSecond) + " · out " + rate(n.outPerSecond)));
      node.append(svg("text", { class: "node-counts node-sub", x: 10, y: 65 }, count(n.elementsIn) + " in · " + count(n.elementsOut) + " out" + (n.watermarkLagMs !== null ? " · lag " + ms(n.watermarkLagMs) : "")));
      if (n.hasTask) {
        const total = (n.busyMsPerSecond || 0) + (n.backpressuredMsPerSecond || 0) + (n.idleMsPerSecond || 0);
        let bx = 10;
        const bw = W - 20;
        for (const [key, colour] of [["busyMsPerSecond", "#3b82f6"], ["backpressuredMsPerSecond", "#dc2626"], ["idleMsPerSecond", "#cbd5e1"]]) {
          const w = total > 0 ? (bw * (n[key] || 0)) / total : 0;
          if (w > 0) node.append(svg("rect", { x: bx, y: 76, width: w, height: 9, fill: colour }));
          bx += w;
        }
        if (total === 0) node.append(svg("rect", { x: 10, y: 76, width: bw, height: 9, fill: "#eef0f4" }));
      } else {
        node.append(svg("text", { class: "node-sub", x: 10, y: 85 }, "runs in the task before it"));
      }
      parts.push(node);
    }
    g.replaceChildren(...parts);
  }

  function lineChart(target, points, series, format) {
    const box = target.getBoundingClientRect();
    const width = Math.max(300, Math.round(box.width || 500)), height = 170, left = 56, right = 10, top = 10, bottom = 22;
    target.setAttribute("viewBox", "0 0 " + width + " " + height);
    const parts = [];
    const now = points.length ? points[points.length - 1].time : Date.now();
    const from = now - 5 * 60 * 1000;
    const visible = points.filter((p) => p.time >= from);
    let max = 0;
    for (const p of visible) for (const s of series) if (p[s.key] !== null) max = Math.max(max, p[s.key]);
    max = max > 0 ? max * 1.1 : 1;
    const x = (t) => left + ((t - from) / (now - from || 1)) * (width - left - right);
    const y = (v) => top + (1 - v / max) * (height - top - bottom);
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4, yy = y(v);
      parts.push(svg("line", { class: "grid", x1: left, x2: width - right, y1: yy, y2: yy }));
      parts.push(svg("text", { x: left - 6, y: yy + 3, "text-anchor": "end" }, format(v)));
    }
    for (let m = 0; m <= 5; m++) {
      const t = from + m * 60000;
      parts.push(svg("text", { x: x(t), y: height - 6, "text-anchor": "middle" }, m === 5 ? "now" : "-" + (5 - m) + " min"));
    }
    parts.push(svg("line", { class: "axis", x1: left, x2: width - right, y1: y(0), y2: y(0) }));
    series.forEach((s, i) => {
      const pts = visible.filter((p) => p[s.key] !== null).map((p) => x(p.time).toFixed(1) + "," + y(p[s.key]).toFixed(1));
      if (pts.length) parts.push(svg("polyline", { points: pts.join(" "), fill: "none", stroke: s.color, "stroke-width": 1.8, "data-series": s.key }));
      if (pts.length) {
        const [cx, cy] = pts[pts.length - 1].split(",");
        parts.push(svg("circle", { cx, cy, r: 2.5, fill: s.color }));
      }
      const last = visible.length ? visible[visible.length - 1][s.key] : null;
      parts.push(svg("text", { x: left + 8 + i * 130, y: top + 10, fill: s.color, style: "fill:" + s.color + ";font-size:11px;font-weight:600" }, s.label + ": " + (last === null || last === undefined ? "–" : format(last))));
    });
    if (!visible.length) parts.push(svg("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, "collecting samples…"));
    target.replaceChildren(...parts);
  }

  function renderNodes(nodes) {
    $("nodes").tBodies[0].replaceChildren(...nodes.map((n) => {
      const tr = el("tr", { "data-node-id": n.id });
      const bp = n.backpressuredMsPerSecond;
      const cells = [
        [n.name + (n.detail ? " (" + n.detail + ")" : ""), "name"], [n.kind, "kind"], [String(n.parallelism), "parallelism"],
        [rate(n.inPerSecond), "in-rate"], [rate(n.outPerSecond), "out-rate"], [count(n.elementsIn), "elements-in"], [count(n.elementsOut), "elements-out"],
        [share(n.busyMsPerSecond), "busy"], [share(bp), "backpressured", bp !== null && bp > 500], [share(n.idleMsPerSecond), "idle"],
        [time(n.watermark), "watermark"], [ms(n.watermarkLagMs), "lag"], [n.queueCapacity ? n.queued + "/" + n.queueCapacity : "–", "queue"],
      ];
      tr.append(...cells.map(([text, field, bad]) => el("td", { "data-field": field, class: bad ? "bad" : "" }, text)));
      return tr;
    }));
  }

  function renderCheckpoints(c) {
    $("checkpoint-summary").textContent = c.completed + " completed, " + c.failed + " failed" +
      (c.last ? " · last #" + c.last.id + " at " + time(c.last.endedAt) + " in " + ms(c.last.durationMs) : " · none yet (checkpoints run when a source commits positions during the run)");
    $("checkpoints").tBodies[0].replaceChildren(...c.recent.map((r) => {
      const tr = el("tr");
      tr.append(el("td", {}, String(r.id)), el("td", {}, time(r.endedAt)), el("td", {}, ms(r.durationMs)),
        el("td", {}, r.sizeBytes === null ? "–" : count(r.sizeBytes) + " B"), el("td", { class: r.error ? "bad" : "" }, r.error || "completed"));
      return tr;
    }));
  }

  // The Kafka partitions the run reads, writes through a repartition topic, or restored state for; hidden without any.
  function renderKafka(kafka) {
    const partitions = (kafka && kafka.partitions) || [];
    $("kafka-panel").hidden = partitions.length === 0;
    const bytes = (b) => (b === null || b === undefined ? "–" : count(b) + " B");
    const n = (v) => (v === null || v === undefined ? "–" : String(v));
    $("kafka").tBodies[0].replaceChildren(...partitions.map((p) => {
      const tr = el("tr", { "data-topic": p.topic, "data-partition": String(p.partition), title: [...p.sources, ...p.groups.map((g) => "group " + g)].join(" · ") });
      const cells = [
        [p.topic + (p.repartition ? " (repartition)" : ""), "topic"], [String(p.partition), "partition"], [p.owned ? "yes" : "–", "owned"],
        [n(p.lag), "lag", p.lag !== null && p.lag > 10000], [n(p.committedOffset), "committed-offset"], [rate(p.recordsPerSecond), "records-rate"],
        [count(p.recordsRead), "records-read"], [count(p.recordsReadAgain), "records-read-again", p.recordsReadAgain > 0], [count(p.recordsSent), "records-sent"], [count(p.recordsReceived), "records-received"], [count(p.duplicatesDropped), "duplicates-dropped"],
        [p.watermarkLagSeconds === null ? "–" : ms(p.watermarkLagSeconds * 1000), "watermark-lag"], [String(p.restores), "restores"],
        [ms(p.restoreMs), "restore-ms"], [bytes(p.restoreBytes), "restore-bytes"],
      ];
      tr.append(...cells.map(([text, field, bad]) => el("td", { "data-field": field, class: bad ? "bad" : "" }, text)));
      return tr;
    }));
  }

  window.addEventListener("hashchange", poll);
  poll();
  setInterval(poll, pollMs);
})();
