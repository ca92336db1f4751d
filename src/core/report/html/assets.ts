/**
 * The page's own styles and script, inlined into every report: the file must open from a CI artifact on a machine
 * without network, so nothing is fetched. They live in TypeScript strings so the build ships them with the code.
 */
export const styles = `
:root { --good: #2f9e57; --wrong: #e3a008; --failed: #d64541; --trigger: #1f5fbf; --provider: #7b4bb7;
  --notification: #0f8a8a; --truth: #4a4a4a; --ink: #1d232b; --dim: #5f6b78; --rule: #dde2e8; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 28px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 4px; }
.meta, .details { color: var(--dim); margin: 0 0 8px; overflow-wrap: anywhere; }
.verdict { display: inline-block; font-weight: 700; padding: 3px 12px; border-radius: 4px; color: #fff; margin: 6px 0; }
.verdict.pass { background: var(--good); }
.verdict.fail { background: var(--failed); }
.verdict.interrupted { background: var(--wrong); color: var(--ink); }
ul.reasons { margin: 4px 0 10px; padding-left: 20px; color: var(--failed); font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0 10px; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 3px 14px 3px 0; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { font-weight: 600; }
td.figure { color: var(--dim); white-space: nowrap; }
td.bad { color: var(--failed); font-weight: 600; }
ul.facts { margin: 6px 0 12px; padding-left: 20px; }
ul.facts li.bad { color: var(--failed); font-weight: 600; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 16px; color: var(--dim); font-size: 12px; margin: 10px 0 4px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 5px;
  vertical-align: -2px; border-radius: 2px; background: var(--c); }
.legend .l-good { --c: var(--good); } .legend .l-wrong { --c: var(--wrong); } .legend .l-failed { --c: var(--failed); }
.legend .l-outage { --c: rgba(214, 69, 65, .18); } .legend .l-trigger { --c: var(--trigger); }
.legend .l-provider { --c: var(--provider); } .legend .l-notification { --c: var(--notification); }
.legend .l-truth { --c: var(--truth); }
.chart { border: 1px solid var(--rule); border-radius: 4px; padding: 6px 4px 0; overflow-x: auto; }
svg.timeline { display: block; width: 100%; min-width: 900px; height: auto; font-size: 11px; }
svg text { fill: var(--ink); }
.lane-bg { fill: #fafbfc; } .lane-bg.odd { fill: #f2f4f7; } .panel-bg { fill: #f7f8fa; }
.lane-name { font-weight: 600; font-size: 12px; }
.lane-sub { fill: var(--dim); font-size: 10px; }
.probe.good { fill: var(--good); } .probe.wrong-role { fill: var(--wrong); } .probe.failed { fill: var(--failed); }
.probe:hover, .window:hover rect, .p99:hover { stroke: var(--ink); stroke-width: 1.5; }
.outage rect { fill: rgba(214, 69, 65, .14); stroke: rgba(214, 69, 65, .55); stroke-dasharray: 3 2; }
.outage text { fill: #a3231f; font-weight: 700; font-size: 10.5px; }
.axis line { stroke: #9aa5b1; } .axis .grid { stroke: #e6e9ee; } .axis text { fill: var(--dim); }
.marker line { stroke-width: 1.4; } .marker line.rule { pointer-events: none; }
.marker.trigger line { stroke: var(--trigger); } .marker.trigger text { fill: var(--trigger); font-weight: 600; }
.marker.provider line { stroke: var(--provider); stroke-dasharray: 5 3; } .marker.provider text { fill: var(--provider); }
.marker.notification line { stroke: var(--notification); stroke-dasharray: 2 3; }
.marker.notification text { fill: var(--notification); }
.marker.truth line { stroke: var(--truth); stroke-dasharray: 1 2; } .marker.truth text { fill: var(--truth); font-style: italic; }
.marker:hover line { stroke-width: 2.5; }
.marker line.hit { stroke-opacity: 0; stroke-width: 9; stroke-dasharray: none; }
.truth-ticks line { stroke: var(--truth); stroke-width: 1.5; }
.ops-ok { fill: #6f8fb3; } .ops-failed { fill: var(--failed); }
.p99-line { fill: none; stroke: #b35f00; stroke-width: 1.5; } .p99 { fill: #b35f00; }
.tip { position: fixed; z-index: 10; max-width: 520px; padding: 6px 9px; border-radius: 4px; pointer-events: none;
  background: rgba(29, 35, 43, .94); color: #fff; font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.tip[hidden] { display: none; }
footer { margin-top: 28px; color: var(--dim); font-size: 12px; }
`;

/** Hovering anything with a data-tip shows it; textContent keeps whatever the tip holds text, never markup. */
export const script = `
(function () {
  var tip = document.getElementById('tip');
  if (!tip) return;
  function owner(node) {
    return node && node.closest ? node.closest('[data-tip]') : null;
  }
  document.addEventListener('pointerover', function (e) {
    var el = owner(e.target);
    if (!el) { tip.hidden = true; return; }
    tip.textContent = el.getAttribute('data-tip');
    tip.hidden = false;
  });
  document.addEventListener('pointermove', function (e) {
    if (tip.hidden) return;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var left = e.clientX + 14, top = e.clientY + 14;
    if (left + w > window.innerWidth - 4) left = Math.max(4, e.clientX - w - 14);
    if (top + h > window.innerHeight - 4) top = Math.max(4, e.clientY - h - 14);
    tip.style.left = left + 'px';
    tip.style.top = top + 'px';
  });
  document.addEventListener('pointerleave', function () { tip.hidden = true; });
})();
`;
