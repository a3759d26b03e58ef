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
</style></head><body>
<h1>Eval report — {{ title }}</h1>
<p class="muted">{{ generated }} · {{ overall.turns }} turns ·
<span class="{{ 'pass' if not failing else 'fail' }}">{{ failing|length }} failing</span></p>
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
{% if notes %}<ul class="muted">{% for n in notes %}<li>{{ n }}</li>{% endfor %}</ul>{% endif %}
<h2>Metrics by tag</h2>
{% if tag_png %}<img alt="metrics by tag" src="data:image/png;base64,{{ tag_png }}">{% endif %}
<div class="wide"><table><tr><th>tag</th>{% for h in tag_headers %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in tag_rows %}<tr><td>{{ row.tag }}</td>{% for v in row.cells %}
<td class="num">{{ v }}</td>{% endfor %}</tr>{% endfor %}</table></div>
<h2>Latency</h2>
{% if latency_png %}<img alt="latency distribution" src="data:image/png;base64,{{ latency_png }}">
{% endif %}
<h2>Failing turns ({{ failing|length }})</h2>
{% for r in failing %}<div class="turn">
<h3>{{ r.suite }} / {{ r.case_id }} / turn {{ r.turn }}</h3>
<p><b>Question:</b> {{ r.question }}</p>
{% if r.standalone_question and r.standalone_question != r.question %}
<p><b>Read as:</b> {{ r.standalone_question }}</p>{% endif %}
<p><b>Reasons:</b></p><ul class="reasons">{% for f in r.failures %}<li>{{ f }}</li>{% endfor %}</ul>
<p><b>Answer</b> ({{ 'refused' if r.refused else 'answered' }}, {{ r.latency_ms }} ms):</p>
<div class="answer">{{ r.answer }}</div>
{% if r.citations %}<table><tr><th>id</th><th>source</th><th>span</th><th>quote</th></tr>
{% for c in r.citations %}<tr class="{{ '' if c._valid else 'bad' }}"><td>[{{ c.id }}]</td>
<td>{{ c.source }}</td><td>{{ c.start }}:{{ c.end }}</td><td>{{ c.quote }}</td></tr>{% endfor %}
</table>{% else %}<p class="muted">No citations.</p>{% endif %}
</div>{% else %}<p class="pass">Every turn passed.</p>{% endfor %}
<h2>All turns</h2>
<table><tr><th>suite</th><th>case</th><th>turn</th><th>verdict</th><th>question</th></tr>
{% for r in records %}<tr><td>{{ r.suite }}</td><td>{{ r.case_id }}</td><td>{{ r.turn }}</td>
<td class="{{ 'pass' if r.passed else 'fail' }}">{{ 'pass' if r.passed else 'FAIL' }}</td>
<td>{{ r.question }}</td></tr>{% endfor %}</table>
</body></html>
"""
