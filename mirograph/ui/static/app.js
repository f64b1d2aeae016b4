// mirograph ui: a little vanilla JS. It talks only to the server that served it.
"use strict";

function filterRows(input, rows, extra) {
  const apply = () => {
    const text = input.value.trim().toLowerCase();
    rows().forEach((tr) => {
      const hit = !text || (tr.dataset.text || tr.textContent.toLowerCase()).includes(text);
      tr.classList.toggle("hidden-row", !(hit && (!extra || extra(tr))));
    });
  };
  input.addEventListener("input", apply);
  return apply;
}

function setupCopy() {
  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest("button.copy");
    if (!btn) return;
    const text = btn.dataset.copy;
    const done = () => { btn.textContent = "copied"; setTimeout(() => (btn.textContent = "copy"), 1200); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => {});
    } else {
      const area = document.createElement("textarea");
      area.value = text; document.body.appendChild(area); area.select();
      document.execCommand("copy"); area.remove(); done();
    }
  });
}

function loadPlot() {
  const box = document.getElementById("plot");
  if (!box) return;
  fetch(box.dataset.src).then((r) => r.text()).then((svg) => { box.innerHTML = svg; box.dataset.loaded = "1"; });
}

function markTarget() {
  const target = document.getElementById("target");
  if (!target) return;
  const row = document.getElementById("step-" + JSON.parse(target.textContent));
  if (row) { row.classList.add("target"); row.scrollIntoView({ block: "center" }); }
}

function setupTimelineFilters() {
  const input = document.getElementById("step-filter");
  const errors = document.getElementById("errors-only");
  if (!input) return () => {};
  const apply = filterRows(input, () => document.querySelectorAll("#timeline tr.step"),
    (tr) => !errors.checked || tr.matches(".has-error, .has-repeat"));
  errors.addEventListener("change", apply);
  return apply;
}

function setupLive(reapply) {
  const root = document.getElementById("thread");
  if (!root) return;
  const id = root.dataset.id;
  let head = root.dataset.head;
  const tick = () => {
    fetch("/poll?id=" + encodeURIComponent(id)).then((r) => r.json()).then((s) => {
      document.getElementById("live").hidden = s.status !== "running";
      document.getElementById("calls-used").textContent = s.tool_calls_used;
      document.getElementById("thread-status").innerHTML =
        '<span class="status st-' + s.status.replace(/ /g, "-") + '">' + s.status + "</span>";
      if (s.head !== head && root.dataset.last === "1") {
        head = s.head;
        return fetch("/thread?fragment=1&id=" + encodeURIComponent(id)).then((r) => r.text()).then((html) => {
          document.getElementById("timeline").innerHTML = html;
          const inner = document.getElementById("timeline-inner");
          document.getElementById("step-count").textContent = inner.dataset.steps;
          reapply();
          loadPlot();
        });
      }
    }).catch(() => {}).finally(() => setTimeout(tick, s_interval()));
  };
  const s_interval = () => (document.getElementById("live").hidden ? Number(root.dataset.poll) : 1000);
  setTimeout(tick, Number(root.dataset.poll));
}

document.addEventListener("DOMContentLoaded", () => {
  setupCopy();
  loadPlot();
  markTarget();
  const reapply = setupTimelineFilters();
  setupLive(reapply);
  const results = document.getElementById("result-filter");
  if (results) filterRows(results, () => document.querySelectorAll("#results tbody tr"));
});
