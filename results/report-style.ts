/** report.html's styles, inline in the page (it loads nothing from anywhere). */
export const REPORT_CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5em auto; max-width: 1160px;
  padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
nav { margin: 0.6em 0 1em; color: #888; }
nav a, a { color: #2563a8; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
thead th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; }
table.facts th { background: #f8f8f8; font-weight: normal; color: #555; }
.banner { font-size: 1.25em; font-weight: bold; padding: 0.4em 0.8em; border-radius: 4px; display: inline-block; }
.banner.valid { background: #e3f3e6; color: #24663a; }
.banner.invalid { background: #fbe4e1; color: #9b2418; }
.banner.unknown { background: #fdf1d8; color: #8a5a00; }
.verdict { font-weight: bold; }
.verdict.valid { color: #24663a; }
.verdict.invalid { color: #b3261e; }
.verdict.unknown { color: #8a5a00; }
.note { color: #666; font-weight: normal; }
ul.notes { color: #8a5a00; }
pre { background: #f6f6f6; padding: 0.6em 0.8em; overflow-x: auto; border-radius: 4px; }
pre.command { background: #222; color: #eee; white-space: pre-wrap; word-break: break-all; }
section.evidence { border-left: 4px solid #b3261e; padding-left: 0.8em; margin: 1em 0; }
iframe.counterexample { width: 100%; border: 1px solid #ddd; }
figure.chart { margin: 1em 0; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
.problem { color: #b3261e; }
.pager { margin: 0.5em 0; }
.pager input { width: 5em; }
#timeline-view { overflow-x: auto; border: 1px solid #eee; }
.key { display: inline-block; padding: 0 0.5em; color: #fff; border-radius: 3px; }
.key.ok { background: #4c9a5e; } .key.fail { background: #c0392b; } .key.info { background: #e0a030; }
ul.files { columns: 2; }
`;
