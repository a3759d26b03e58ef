"""The HTML report template (Jinja2, autoescaped; self-contained: inline CSS and images)."""

HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Eval report — {{ title }}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;
     color:#222}
h1,h2,h3{line-height:1.2} table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3} .wide{overflow-x:auto}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#17692c;font-weight:600} .fail{color:#b00020;font-weight:600}
.turn{border:1px solid #e0b4b4;border-left:5px solid #b00020;border-radius:4px;
      padding:.5rem 1rem;margin:1rem 0;background:#fffafa}
.answer{white-space:pre-wrap;background:#f7f7f7;padding:.5rem;border-radius:4px}
ul.reasons li{color:#b00020} .muted{color:#666} img{max-width:100%}
.bad{background:#fde8e8}
.summary{display:flex;flex-wrap:wrap;gap:.75rem;margin:1rem 0}
.card{border:1px solid #ccc;border-radius:6px;padding:.5rem .9rem;min-width:8rem}
.card b{display:block;font-size:1.4rem}
details.turn>summary{cursor:pointer;font-weight:600}
details.turn>summary .why{font-weight:400;color:#b00020}
.reply .body p,.reply li{margin:.2rem 0} .reply{background:#f7f7f7;padding:.5rem;border-radius:4px}
.reply .safety{background:#fef3c7;border-left:4px solid #d97706;padding:.3rem .6rem;
      margin-top:.4rem;border-radius:4px}
a.cite{font-weight:700;text-decoration:none}
.filters{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0}
.filters input{flex:1;min-width:14rem;padding:.3rem .5rem;font:inherit}
td.preview{max-width:32rem;font-size:13px}
</style></head><body>
<h1>Eval report — {{ title }}</h1>
<p class="muted">{{ generated }}</p>
<div class="summary">
<div class="card"><b>{{ overall.turns }}</b>turns</div>
<div class="card"><b class="{{ 'pass' if not failing else 'fail' }}">{{ failing|length }}</b>
failing</div>
{% for name, m in suite_rows %}<div class="card"><b>{{ '%.0f'|format(100 * (m.pass_rate or 0)) }}%
</b>{{ name }} passed ({{ m.turns }} turns)</div>{% endfor %}
</div>
{% if failing %}<p><a href="#failing">Jump to the failing turns</a></p>{% endif %}
<h2>Metrics</h2>
<table><tr><th>metric</th><th>overall</th>{% for s in suites %}<th>{{ s }}</th>{% endfor %}</tr>
{% for row in metric_rows %}<tr><td>{{ row.label }}</td><td class="num">{{ row.overall }}</td>
{% for v in row.suites %}<td class="num">{{ v }}</td>{% endfor %}</tr>{% endfor %}</table>
{% if retrieval %}<h2>Retrieval</h2>
<table><tr>{% for k in retrieval_keys %}<th>{{ k }}</th>{% endfor %}</tr>
<tr>{% for k in retrieval_keys %}<td class="num">{{ retrieval[k] }}</td>{% endfor %}</tr></table>
{% if retrieval.misses %}<p class="muted">Not hit in the top 5:
{{ retrieval.misses|join(', ') }}</p>{% endif %}
{% if retrieval.unlocated %}<p class="muted">Labels whose answer text was not found in the source:
{{ retrieval.unlocated|join(', ') }}</p>{% endif %}{% endif %}
{% if judge %}<h2>LLM judge</h2>
<table><tr>{% for k in judge_keys %}<th>{{ k }}</th>{% endfor %}</tr>
<tr>{% for k in judge_keys %}<td class="num">{{ judge[k] }}</td>{% endfor %}</tr></table>{% endif %}
<h2>Answer quality</h2>
<p>Most-repeated body sentence: {{ quality.repeated }}</p>
{% for key, title in [('header_rows', 'Header rows shown'), ('fragments', 'Fragments shown')] %}
<details><summary>{{ title }} ({{ quality[key]|length }} listed)</summary><ul>
{% for x in quality[key] %}<li>{{ x }}</li>{% else %}<li>none</li>{% endfor %}</ul></details>
{% endfor %}
{% if notes %}<ul class="muted">{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
<h2>Failing turns by tag</h2>
{% if tag_png %}<img alt="failing turns by tag" src="data:image/png;base64,{{ tag_png }}">
{% else %}<p class="pass">No tag has a failing turn.</p>{% endif %}
<details><summary>Metrics by tag (table)</summary>
<div class="wide"><table><tr><th>tag</th>{% for h in tag_headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in tag_rows %}<tr><td>{{ row.tag }}</td>{% for v in row.cells %}
<td class="num">{{ v }}</td>{% endfor %}</tr>{% endfor %}</table></div></details>
<h2>Latency</h2>
{% if latency_png %}<img alt="latency distribution" src="data:image/png;base64,{{ latency_png }}">
{% endif %}
<h2 id="failing">Failing turns ({{ failing|length }})</h2>
{% if failing %}<div class="filters">
<input id="filter" type="search" placeholder="Filter: words of the question, answer, reasons, tags">
<select id="suite-filter"><option value="">all suites</option>
{% for s in suites %}<option>{{ s }}</option>{% endfor %}</select>
<button type="button" id="expand">Expand all</button>
<button type="button" id="collapse">Collapse all</button>
<span id="shown" class="muted"></span></div>{% endif %}
{% for r in failing %}<details class="turn" data-suite="{{ r.suite }}"
 data-text="{{ [r.suite, r.case_id, r.question, r.answer, r.failures|join(' '),
                (r.tags or [])|join(' ')]|join(' ')|lower }}">
<summary>{{ r.suite }} / {{ r.case_id }} / turn {{ r.turn }}
<span class="why">— {{ r.failures|first }}{% if r.failures|length > 1 %}
(+{{ r.failures|length - 1 }}){% endif %}</span></summary>
<p><b>Question:</b> {{ r.question }}</p>
{% if r.standalone_question and r.standalone_question != r.question %}
<p><b>Read as:</b> {{ r.standalone_question }}</p>{% endif %}
{% if r.tags %}<p class="muted">tags: {{ r.tags|join(', ') }}</p>{% endif %}
<p><b>Reasons:</b></p><ul class="reasons">{% for f in r.failures %}<li>{{ f }}</li>{% endfor %}</ul>
<p><b>Answer</b> ({{ 'refused' if r.refused else 'answered' }}, {{ r.latency_ms }} ms), as the
user sees it:</p>
<div class="reply">{{ r._html }}</div>
{% set n = loop.index0 %}
{% if r.citations %}<table><tr><th>id</th><th>title</th><th>source</th><th>span</th><th>quote</th>
</tr>{% for c in r.citations %}
<tr id="f{{ n }}-c{{ c.id }}" class="{{ '' if c._valid else 'bad' }}">
<td>[{{ c.id }}]</td><td>{{ c.title }}</td><td>{{ c.source }}</td><td>{{ c.start }}:{{ c.end }}</td>
<td>{{ c.quote }}</td></tr>{% endfor %}
</table>{% else %}<p class="muted">No citations.</p>{% endif %}
</details>{% else %}<p class="pass">Every turn passed.</p>{% endfor %}
<h2>All turns</h2>
<details><summary>{{ records|length }} turns with their answers</summary>
<table><tr><th>suite</th><th>case</th><th>turn</th><th>verdict</th><th>question</th>
<th>answer</th></tr>
{% for r in records %}<tr><td>{{ r.suite }}</td><td>{{ r.case_id }}</td><td>{{ r.turn }}</td>
<td class="{{ 'pass' if r.passed else 'fail' }}">{{ 'pass' if r.passed else 'FAIL' }}</td>
<td>{{ r.question }}</td><td class="preview">{{ r._preview }}</td></tr>{% endfor %}</table>
</details>
<script>
(function () {
  var input = document.getElementById('filter');
  if (!input) return;
  var suite = document.getElementById('suite-filter');
  var turns = Array.prototype.slice.call(document.querySelectorAll('details.turn'));
  var shown = document.getElementById('shown');
  function apply() {
    var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var count = 0;
    turns.forEach(function (t) {
      var ok = (!suite.value || t.dataset.suite === suite.value) &&
        words.every(function (w) { return t.dataset.text.indexOf(w) >= 0; });
      t.hidden = !ok;
      if (ok) count++;
    });
    shown.textContent = count + ' of ' + turns.length + ' shown';
  }
  input.addEventListener('input', apply);
  suite.addEventListener('change', apply);
  document.getElementById('expand').onclick = function () {
    turns.forEach(function (t) { if (!t.hidden) t.open = true; }); };
  document.getElementById('collapse').onclick = function () {
    turns.forEach(function (t) { t.open = false; }); };
  apply();
})();
</script>
</body></html>
"""
