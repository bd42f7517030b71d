"""The stakeholder report as one self-contained HTML file: a verdict sentence from the paired comparison,
what each model row is, charts embedded as PNG, the metrics tables, the model card with the run's own
lineage, and a per-case table that filters by model, outcome and text, like the demo's data tab. For a
ranking task a case shows the ranked list and the rank; for any other task the reward, the grader's
sub-scores and the reference. No network: no CDN, no fonts, no scripts from elsewhere."""

from __future__ import annotations

import base64
import html
import json
import tempfile
from pathlib import Path

from rft.eval.table import Table, interval_note, tables
from rft.report.collect import ReportData
from rft.report.curve import draw_reward_curve
from rft.report.verdict import copying_note, model_notes, verdict

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;
vertical-align:top} th{background:#f6f6f6} .muted{color:#777} .pass{color:#0a7a2f;font-weight:600}
.fail{color:#b3261e;font-weight:600} img{max-width:100%} .charts{display:flex;gap:1rem;flex-wrap:wrap;align-items:flex-start} .charts img{max-width:49%}
.filters{display:flex;gap:.6rem;margin:.6rem 0} code{background:#f3f3f3;padding:0 3px}
.verdict{font-size:1.15rem;font-weight:600;margin:.8rem 0} .smoke{background:#fff4d6;border:1px solid #e0b84c;
padding:.5rem .8rem;border-radius:4px} .note{color:#8a4b00}
details summary{cursor:pointer;color:#555} pre{white-space:pre-wrap;margin:.3rem 0}
"""

SCRIPT = """
const cases = JSON.parse(document.getElementById('cases').textContent);
const prompts = JSON.parse(document.getElementById('prompts').textContent);
const ranking = JSON.parse(document.getElementById('ranking').textContent);
const body = document.querySelector('#case-table tbody');
const esc = s => String(s ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
const outcome = c => c.passed === null || c.passed === undefined ? '<td class="muted">–</td>'
  : `<td class="${c.passed ? 'pass' : 'fail'}">${c.passed ? 'pass' : 'fail'}</td>`;
const scores = s => Object.entries(s || {}).map(([k, v]) => `${esc(k)} ${v}`).join('<br>');
function render() {
  const model = document.getElementById('f-model').value, wanted = document.getElementById('f-outcome').value;
  const text = document.getElementById('f-text').value.toLowerCase();
  const rows = cases.filter(c => (!model || c.model === model) && (!wanted || (wanted === 'pass') === (c.passed === true))
    && (!text || JSON.stringify(c).toLowerCase().includes(text) || (prompts[c.case_id] || '').toLowerCase().includes(text)));
  const rowClass = 'case-row';  // (not spelled out in the markup, so rendered rows can be counted)
  body.innerHTML = rows.map(c => `<tr class="${rowClass}"><td>${esc(c.model)}</td><td>${esc(c.case_id)}
    <details><summary>input</summary><pre>${esc(prompts[c.case_id])}</pre></details></td>
    <td>${esc(c.reasoning)}</td>` + (ranking
      ? `<td>${esc(c.ranked.join(', '))}</td><td>${esc(c.answer)}</td><td>${c.rank ?? '–'}</td>`
      : `<td>${esc(c.reference)}</td><td>${c.reward}</td><td>${scores(c.scores)}</td>`)
    + `${outcome(c)}</tr>`).join('');
  document.getElementById('shown').textContent = `${rows.length} of ${cases.length} answers`;
}
for (const id of ['f-model', 'f-outcome', 'f-text']) document.getElementById(id).addEventListener('input', render);
render();
"""


def _img(path: Path | None, alt: str) -> str:
    if path is None or not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _json_script(element_id: str, obj: object) -> str:
    text = json.dumps(obj, ensure_ascii=False).replace("</", "<\\/")  # cannot end the script element
    return f'<script type="application/json" id="{element_id}">{text}</script>'


def _table(table: Table, element_id: str | None = None) -> str:
    ident = f" id='{element_id}'" if element_id else ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows)
    return f"<table{ident}><tr>{head}</tr>{rows}</table>"


def _results(evaluation: dict) -> str:
    """The metrics table first, then the per-group, tie, paired and copy tables, each with its title."""
    main, *rest = tables(evaluation)
    parts = [_table(main, "metrics")]
    parts += [f"<p class='muted'>{html.escape(t.title)}</p>{_table(t)}" for t in rest]
    return "\n".join(parts)


def _facts(data: ReportData) -> str:
    ev, run, summary = data.evaluation, data.run, data.summary
    items = [("base model", ev.get("base_model")), ("split", f"{ev['split']} ({ev['cases']} cases)"),
             ("prompts", ev.get("prompt_mode")),
             ("graders", ", ".join(f"{g['name']} ({g['type']})" for g in run.get("graders", [])) or None),
             ("resolved hyperparameters", json.dumps(run["resolved"]) if run.get("resolved") else None),
             ("training", f"{summary['steps']} steps, best step {summary['best_step']}" if summary else None),
             ("git commit", (data.git.get("commit") or "?") + (" (uncommitted changes)" if data.git.get("dirty") else "")),
             ("profile", data.profile),
             *((f"data {k}", f"content hash {v}") for k, v in data.data_versions.items())]
    return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(str(v))}</code></td></tr>"
                               for k, v in items if v) + "</table>"


def _rows_explained(data: ReportData) -> str:
    notes = model_notes(data.evaluation)
    return "<table>" + "".join(f"<tr><th>{html.escape(label)}</th><td>{html.escape(words)}</td></tr>"
                               for label, words in notes.items()) + "</table>"


def _header(data: ReportData) -> str:
    parts = []
    if data.profile == "smoke":
        parts.append("<p class='smoke'><b>Smoke run.</b> The <code>smoke</code> profile trains a few steps on a few "
                     "cases to check that the pipeline runs end to end; its figures are not a result.</p>")
    parts.append(f"<p class='verdict' id='verdict'>{html.escape(verdict(data.evaluation))}</p>")
    if (copying := copying_note(data.evaluation)) is not None:
        parts.append(f"<p class='note'>{html.escape(copying)}</p>")
    return "\n".join(parts)


def _case_head(data: ReportData) -> str:
    columns = (["ranked genes", "answer", "rank"] if data.ranking else ["reference", "reward", "sub-scores"])
    threshold = "" if data.ranking or data.pass_threshold is None else f" (reward ≥ {data.pass_threshold:g})"
    heads = ["model", "case", "answer given" if not data.ranking else "reasoning", *columns, f"outcome{threshold}"]
    return "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in heads) + "</tr>"


def render_html(data: ReportData) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        curve = draw_reward_curve(data.curve, Path(tmp) / "curve.png")
        curve_img = _img(curve, "reward per step")
    models = "".join(f"<option>{html.escape(m)}</option>" for m in data.evaluation["models"])
    charts = _img(data.eval_dir / "chart.png", "top@k per model") + _img(data.eval_dir / "paired.png", "paired differences")
    passing = "pass (right answer first)" if data.ranking else "pass"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(data.title)}</title><style>{STYLE}</style></head>
<body>
<h1>{html.escape(data.title)}</h1>
<p class="muted">evaluated {html.escape(data.evaluation.get('created', ''))}; {data.evaluation['cases']} cases of
<code>{html.escape(data.evaluation['split'])}</code>; {html.escape(interval_note(data.evaluation))}</p>
{_header(data)}
<h2>Results</h2>
{_results(data.evaluation)}
<p class="muted">What each row is:</p>
{_rows_explained(data)}
<div class="charts">{charts}{curve_img}</div>
<h2>Model card</h2>
{_facts(data)}
<h2>Answers, case by case</h2>
<div class="filters">
<label>model <select id="f-model"><option value="">all</option>{models}</select></label>
<label>outcome <select id="f-outcome"><option value="">all</option><option value="pass">{passing}</option>
<option value="fail">fail</option></select></label>
<label>search <input id="f-text" type="search" placeholder="answer, case, input"></label>
<span id="shown" class="muted"></span></div>
<table id="case-table"><thead>{_case_head(data)}</thead><tbody></tbody></table>
{_json_script('cases', data.cases)}
{_json_script('prompts', data.prompts)}
{_json_script('ranking', data.ranking)}
<script>{SCRIPT}</script>
</body></html>
"""


def write_html(data: ReportData, path: str | Path) -> Path:
    from rft.jsonl import atomic_open

    path = Path(path)
    with atomic_open(path) as fh:
        fh.write(render_html(data))
    return path
