// The page GET / serves: pick a collection, type a query, see the results with their scores
// and metadata. Plain HTML and a little JavaScript against the server's own API; nothing is
// fetched from elsewhere. "?collection=NAME&q=TEXT" in the URL searches at once (how the
// headless-browser test drives it); a token, when the server wants one for reads, goes in the
// token field and is sent as Authorization: Bearer.
#pragma once

#include <string_view>

namespace tessera::serve {

inline constexpr std::string_view kWebPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tessera</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 56rem; color: #222; }
form { display: flex; gap: .5rem; margin-bottom: 1rem; }
input[type=search] { flex: 1; padding: .4rem; font-size: 1rem; }
select, button, input { padding: .4rem; }
ol { padding-left: 1.5rem; }
li { margin-bottom: .9rem; }
.id { font-weight: 600; }
.score { color: #666; font-variant-numeric: tabular-nums; margin-left: .5rem; }
.meta { color: #555; font-family: ui-monospace, monospace; font-size: 12px; }
.error { color: #b00020; }
</style>
</head>
<body>
<h1>tessera</h1>
<form id="form">
  <select id="collection" aria-label="collection"></select>
  <input id="query" type="search" placeholder="Search..." aria-label="query">
  <input id="k" type="number" value="10" min="1" max="1000" style="width:4rem" aria-label="k">
  <input id="token" type="password" placeholder="token" style="width:7rem" aria-label="token">
  <button type="submit">Search</button>
</form>
<div id="status"></div>
<ol id="results"></ol>
<script>
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
$('token').value = params.get('token') || localStorage.getItem('tessera-token') || '';
function headers() {
  const h = {'Content-Type': 'application/json'};
  const token = $('token').value;
  if (token) { h['Authorization'] = 'Bearer ' + token; localStorage.setItem('tessera-token', token); }
  return h;
}
async function call(method, path, body) {
  const response = await fetch(path, {method, headers: headers(), body: body && JSON.stringify(body)});
  const data = await response.json();
  if (!response.ok) throw new Error(data.error ? data.error.message : response.statusText);
  return data;
}
function show(message, error) {
  $('status').textContent = message;
  $('status').className = error ? 'error' : '';
}
async function search() {
  const name = $('collection').value, query = $('query').value.trim();
  if (!name || !query) return;
  show('Searching...');
  try {
    const started = performance.now();
    const data = await call('POST', '/collections/' + encodeURIComponent(name) + '/search',
                            {query, k: Number($('k').value) || 10});
    const list = $('results');
    list.replaceChildren();
    for (const hit of data.results) {
      const item = document.createElement('li');
      item.className = 'result';
      const id = document.createElement('span'); id.className = 'id'; id.textContent = hit.id;
      const score = document.createElement('span'); score.className = 'score';
      score.textContent = hit.score.toFixed(4);
      const text = document.createElement('div'); text.className = 'text';
      text.textContent = hit.text.length > 300 ? hit.text.slice(0, 300) + '...' : hit.text;
      const meta = document.createElement('div'); meta.className = 'meta';
      meta.textContent = JSON.stringify(hit.metadata);
      item.append(id, score, text, meta);
      list.append(item);
    }
    show(data.results.length + ' results in ' + Math.round(performance.now() - started) + ' ms');
  } catch (e) { show(e.message, true); }
}
async function start() {
  try {
    const data = await call('GET', '/collections');
    for (const c of data.collections) {
      const option = document.createElement('option');
      option.value = c.name; option.textContent = c.name + ' (' + c.documents + ')';
      $('collection').append(option);
    }
  } catch (e) { show(e.message, true); }
  if (params.get('collection')) $('collection').value = params.get('collection');
  if (params.get('q')) { $('query').value = params.get('q'); await search(); }
}
$('form').addEventListener('submit', (event) => { event.preventDefault(); search(); });
start();
</script>
</body>
</html>
)html";

}  // namespace tessera::serve
