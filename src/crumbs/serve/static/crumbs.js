// Crumbs' web UI: theme, keys, the timeline's chart and brush, the object's time slider,
// the copilot's streamed answer. No inline script anywhere (the CSP forbids it); text from the
// cluster is put in the page as text nodes, never as markup.
"use strict";

(function theme() {
  const saved = localStorage.getItem("crumbs-theme");
  if (saved) document.documentElement.dataset.theme = saved;
  document.addEventListener("DOMContentLoaded", () => {
    const button = document.getElementById("theme");
    if (!button) return;
    button.addEventListener("click", () => {
      const dark = getComputedStyle(document.documentElement).getPropertyValue("--bg").trim() === "#0d1117";
      const next = dark ? "light" : "dark";
      document.documentElement.dataset.theme = next;
      localStorage.setItem("crumbs-theme", next);
      if (window.crumbsChart) drawHistogram();
    });
  });
})();

function cookie(name) {
  const found = document.cookie.split("; ").find((c) => c.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

// -- keys ---------------------------------------------------------------------------------
let pendingG = false;
document.addEventListener("keydown", (event) => {
  const t = event.target;
  if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (pendingG) {
    pendingG = false;
    const to = { t: "/timeline", f: "/findings", c: "/traces", a: "/ask" }[event.key];
    if (to) { window.location.assign(to); event.preventDefault(); }
    return;
  }
  const rows = Array.from(document.querySelectorAll(".entry"));
  const at = rows.indexOf(document.activeElement && document.activeElement.closest(".entry"));
  if (event.key === "j" || event.key === "k") {
    if (!rows.length) return;
    const next = event.key === "j" ? Math.min(rows.length - 1, at + 1) : Math.max(0, at - 1);
    rows[next].focus();
    rows[next].scrollIntoView({ block: "nearest" });
    event.preventDefault();
  } else if (event.key === "Enter" && at >= 0) {
    const details = rows[at].querySelector("details");
    if (details) { details.open = !details.open; event.preventDefault(); }
    else if (rows[at].dataset.link) window.location.assign(rows[at].dataset.link);
  } else if (event.key === "o" && at >= 0 && rows[at].dataset.link) {
    window.location.assign(rows[at].dataset.link);
  } else if (event.key === "/") {
    const field = document.querySelector("#filters input, #question, .filters input");
    if (field) { field.focus(); event.preventDefault(); }
  } else if (event.key === "g") {
    pendingG = true;
  } else if (event.key === "?") {
    const keys = document.getElementById("keys");
    if (keys) keys.showModal();
  }
});

// -- the timeline's histogram, and its brush ----------------------------------------------
function drawHistogram() {
  const holder = document.getElementById("histogram");
  const source = document.getElementById("histogram-data");
  if (!holder || !source || !window.uPlot) return;
  const data = JSON.parse(source.textContent);
  holder.replaceChildren();
  if (!data.t.length) return;
  const css = getComputedStyle(document.documentElement);
  const color = (name) => css.getPropertyValue(name).trim();
  const bars = window.uPlot.paths.bars({ size: [0.9, 40] });
  const opts = {
    width: Math.max(300, holder.clientWidth || 800), height: 140,
    cursor: { drag: { x: true, y: false } },
    axes: [{ stroke: color("--muted"), grid: { stroke: color("--line") } }, { stroke: color("--muted"), grid: { stroke: color("--line") } }],
    series: [{}, { label: "changes", stroke: color("--human"), fill: color("--human"), paths: bars },
             { label: "events", stroke: color("--event"), fill: color("--event"), paths: bars }],
    hooks: { setSelect: [(u) => {
      if (u.select.width < 3) return;
      const from = u.posToVal(u.select.left, "x"), to = u.posToVal(u.select.left + u.select.width, "x");
      const form = document.getElementById("filters");
      form.elements["from"].value = new Date(from * 1000).toISOString();
      form.elements["to"].value = new Date(to * 1000).toISOString();
      form.requestSubmit();
    }] },
  };
  window.crumbsChart = new window.uPlot(opts, [data.t, data.changes, data.events], holder);
  holder.addEventListener("dblclick", () => {
    const form = document.getElementById("filters");
    form.elements["from"].value = ""; form.elements["to"].value = "";
    form.requestSubmit();
  });
}

// -- the object's time slider -------------------------------------------------------------
function slider() {
  const range = document.getElementById("at-slider");
  if (!range) return;
  const times = JSON.parse(range.dataset.times || "[]");
  const shown = document.getElementById("at-shown");
  const value = document.getElementById("at-value");
  const current = new URLSearchParams(window.location.search).get("at");
  if (current) { const i = times.findIndex((t) => t >= current); if (i >= 0) range.value = String(i); }
  range.addEventListener("input", () => { shown.textContent = times[Number(range.value)] || ""; value.value = shown.textContent; });
  range.addEventListener("change", () => range.form.requestSubmit());
}

// -- answers with clickable citations -----------------------------------------------------
const CITATION = /\[(F[0-9a-f]{12}|R\d+|E\d+|N\d+|L\d+)\]/g;
function withCitations(holder, text) {
  holder.replaceChildren();
  let last = 0;
  for (const m of text.matchAll(CITATION)) {
    holder.append(document.createTextNode(text.slice(last, m.index)));
    const a = document.createElement("a");
    a.href = "/cite/" + m[1];
    a.className = "citation";
    a.textContent = m[0];
    holder.append(a);
    last = m.index + m[0].length;
  }
  holder.append(document.createTextNode(text.slice(last)));
}

// -- the copilot, streamed ----------------------------------------------------------------
async function ask(event) {
  event.preventDefault();
  const form = event.target;
  const question = form.elements["question"].value.trim();
  if (!question) return;
  const steps = document.getElementById("ask-steps");
  const answer = document.getElementById("ask-answer");
  const trace = document.getElementById("ask-trace");
  steps.replaceChildren(); answer.textContent = "…"; trace.textContent = "";
  form.querySelector("button").disabled = true;
  try {
    const response = await fetch("/api/v1/ask", {
      method: "POST", credentials: "same-origin",
      headers: { "content-type": "application/json", "x-crumbs-csrf": cookie("crumbs_csrf") },
      body: JSON.stringify({ question }),
    });
    if (!response.ok) { answer.textContent = (await response.json()).error || response.statusText; return; }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        const name = (block.match(/^event: (.*)$/m) || [])[1];
        const data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "null");
        if (name === "step") {
          const li = document.createElement("li");
          li.className = "step kind-" + data.kind;
          const head = document.createElement("strong");
          head.textContent = data.kind + " " + data.name;
          const body = document.createElement("pre");
          body.textContent = data.text;
          li.append(head, body);
          steps.append(li);
        } else if (name === "answer") {
          withCitations(answer, data.answer);
          const link = document.createElement("a");
          link.href = "/traces/" + data.trace;
          link.textContent = "trace " + data.trace;
          trace.replaceChildren(document.createTextNode(data.status + " · " + (data.tokens.in + data.tokens.out) + " tokens · "), link);
        } else if (name === "error") {
          answer.textContent = data.error;
        }
      }
    }
  } finally {
    form.querySelector("button").disabled = false;
  }
}

async function replay(event) {
  const button = event.target;
  const out = document.getElementById("replay-result");
  button.disabled = true;
  out.textContent = "replaying…";
  const response = await fetch("/api/v1/traces/" + button.dataset.trace + "/replay", {
    method: "POST", credentials: "same-origin", headers: { "x-crumbs-csrf": cookie("crumbs_csrf") },
  });
  const data = await response.json();
  button.disabled = false;
  if (!response.ok) { out.textContent = data.error; return; }
  const link = document.createElement("a");
  link.href = "/traces/" + button.dataset.trace + "/diff/" + data.trace;
  link.textContent = data.same ? "the same: every tool returned what it returned then" : data.differences.length + " tool output(s) differ now";
  out.replaceChildren(document.createTextNode("trace " + data.trace + ": "), link);
}

document.addEventListener("DOMContentLoaded", () => {
  drawHistogram();
  slider();
  const form = document.getElementById("ask");
  if (form) {
    form.addEventListener("submit", ask);
    if (form.elements["question"].value && new URLSearchParams(window.location.search).has("question")) form.elements["question"].focus();
  }
  const again = document.getElementById("replay");
  if (again) again.addEventListener("click", replay);
  for (const holder of document.querySelectorAll("[data-answer]")) withCitations(holder, holder.textContent);
  const compare = document.getElementById("compare-two");
  if (compare) compare.addEventListener("click", () => {
    const picked = Array.from(document.querySelectorAll("input[name=pick]:checked")).map((i) => i.value);
    if (picked.length === 2) window.location.assign("/traces/" + picked[1] + "/diff/" + picked[0]);
  });
});
