// aurola's search page: text queries as JSON, audio queries as multipart uploads, results with play buttons.
// Plain browser JavaScript, no build step, nothing loaded from elsewhere.
'use strict';

const $ = (id) => document.getElementById(id);
const form = $('search-form');
const input = $('q');
const fileInput = $('audio-file');
const dropZone = $('drop-zone');
const results = $('results');
const statusLine = $('status');
const errorBox = $('error');
const captionsSection = $('captions-section');
const captionsList = $('captions');
const template = $('result-template');
const sources = new Set();

let inFlight = null;

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function clearError() {
  errorBox.hidden = true;
  errorBox.textContent = '';
}

function options() {
  const source = $('source').value.trim();
  return { k: Number($('k').value), rerank: $('rerank').checked, source: source || undefined };
}

async function run(describe, makeRequest) {
  if (inFlight) inFlight.abort();
  const controller = new AbortController();
  inFlight = controller;
  clearError();
  statusLine.textContent = `Searching ${describe}…`;
  document.body.classList.add('busy');
  try {
    const response = await fetch('/v1/search', { ...makeRequest(), signal: controller.signal });
    let body;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (controller !== inFlight) return;
    if (!response.ok) {
      const message = body && body.error ? body.error.message : `the server answered ${response.status}`;
      statusLine.textContent = '';
      showError(`Search failed: ${message}`);
      return;
    }
    render(body);
  } catch (e) {
    if (e.name === 'AbortError') return;
    statusLine.textContent = '';
    showError(`Search failed: the server could not be reached (${e.message}).`);
  } finally {
    if (controller === inFlight) {
      inFlight = null;
      document.body.classList.remove('busy');
    }
  }
}

function searchText(text) {
  const o = options();
  const body = { text, k: o.k };
  if (o.rerank) body.rerank = true;
  if (o.source) body.filter = { source: o.source };
  run(`for “${text}”`, () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

function searchClip(clipId) {
  const o = options();
  const body = { clipId, k: o.k };
  if (o.source) body.filter = { source: o.source };
  run(`for clips like ${clipId}`, () => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

function searchAudio(file) {
  if (!file) return;
  const o = options();
  const data = new FormData();
  data.append('k', String(o.k));
  if (o.rerank) data.append('rerank', 'true');
  if (o.source) data.append('source', o.source);
  data.append('audio', file, file.name);
  run(`with ${file.name}`, () => ({ method: 'POST', body: data }));
}

function fmt(x) {
  return typeof x === 'number' ? x.toFixed(3) : '';
}

function stopOthers(except) {
  for (const audio of results.querySelectorAll('audio')) {
    if (audio !== except && !audio.paused) audio.pause();
  }
}

function renderResult(hit) {
  const node = template.content.firstElementChild.cloneNode(true);
  const clip = hit.clip;
  node.dataset.id = hit.id;
  node.querySelector('.rank').textContent = `${hit.rank}.`;
  node.querySelector('.clip-id').textContent = hit.id;
  const score = node.querySelector('.score');
  score.textContent = `score ${fmt(hit.score)}`;
  score.title = hit.pYes === undefined ? `similarity ${fmt(hit.similarity)}` : `similarity ${fmt(hit.similarity)}, p(yes) ${fmt(hit.pYes)}`;
  const [first, ...more] = clip.captions;
  node.querySelector('.caption').textContent = first || '(no caption)';
  if (more.length) {
    const details = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = `${more.length} more caption${more.length > 1 ? 's' : ''}`;
    const list = document.createElement('ul');
    for (const c of more) {
      const li = document.createElement('li');
      li.textContent = c;
      list.append(li);
    }
    details.append(summary, list);
    node.querySelector('.caption').after(details);
  }
  const tags = node.querySelector('.tags');
  for (const t of clip.tags) {
    const li = document.createElement('li');
    li.textContent = t;
    tags.append(li);
  }
  const extra = hit.pYes === undefined ? '' : ` · p(yes) ${fmt(hit.pYes)}`;
  node.querySelector('.meta').textContent = `${clip.durationS.toFixed(1)} s · ${clip.source} · ${clip.license} · similarity ${fmt(hit.similarity)}${extra}`;
  sources.add(clip.source);

  const audio = node.querySelector('audio');
  const play = node.querySelector('.play');
  play.setAttribute('aria-label', `Play ${hit.id}`);
  play.addEventListener('click', async () => {
    if (!audio.src) audio.src = clip.audioUrl;
    if (audio.paused) {
      stopOthers(audio);
      try {
        await audio.play();
      } catch (e) {
        showError(`Cannot play ${hit.id}: ${e.message}`);
      }
    } else {
      audio.pause();
    }
  });
  const sync = () => {
    const playing = !audio.paused && !audio.ended;
    play.textContent = playing ? '❚❚' : '▶';
    play.setAttribute('aria-label', `${playing ? 'Pause' : 'Play'} ${hit.id}`);
    play.setAttribute('aria-pressed', String(playing));
    node.classList.toggle('playing', playing);
  };
  audio.addEventListener('play', sync);
  audio.addEventListener('pause', sync);
  audio.addEventListener('ended', sync);
  audio.addEventListener('error', () => showError(`Cannot play ${hit.id}: the audio could not be loaded.`));
  node.querySelector('.similar').addEventListener('click', () => searchClip(hit.id));
  return node;
}

function render(body) {
  stopOthers(null);
  results.replaceChildren(...body.results.map(renderResult));
  const q = body.query;
  const what = q.mode === 'text' ? `“${q.text}”` : q.mode === 'clip' ? `clips like ${q.clipId}` : `${q.filename || 'your clip'} (${(q.durationS || 0).toFixed(1)} s)`;
  const reranked = body.rerankK ? `, top ${body.rerankK} re-ranked` : '';
  statusLine.textContent = body.results.length
    ? `${body.results.length} result${body.results.length > 1 ? 's' : ''} for ${what} in ${body.tookMs.toFixed(1)} ms${reranked}.`
    : `No results for ${what}.`;
  if (body.captions && body.captions.length) {
    captionsList.replaceChildren(
      ...body.captions.map((c) => {
        const li = document.createElement('li');
        li.textContent = `${c.caption} `;
        const small = document.createElement('span');
        small.className = 'muted';
        small.textContent = `(${c.clipId}, ${fmt(c.score)})`;
        li.append(small);
        return li;
      }),
    );
    captionsSection.hidden = false;
  } else {
    captionsSection.hidden = true;
  }
  $('sources').replaceChildren(
    ...[...sources].sort().map((s) => {
      const o = document.createElement('option');
      o.value = s;
      return o;
    }),
  );
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const text = input.value.trim();
  if (!text) {
    showError('Type a description of a sound, or drop an audio file.');
    input.focus();
    return;
  }
  searchText(text);
});

fileInput.addEventListener('change', () => {
  searchAudio(fileInput.files[0]);
  fileInput.value = '';
});

dropZone.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === ' ') {
    event.preventDefault();
    fileInput.click();
  }
});
dropZone.addEventListener('click', (event) => {
  if (event.target === dropZone) fileInput.click();
});
for (const type of ['dragenter', 'dragover']) {
  dropZone.addEventListener(type, (event) => {
    event.preventDefault();
    dropZone.classList.add('over');
  });
}
for (const type of ['dragleave', 'drop']) {
  dropZone.addEventListener(type, () => dropZone.classList.remove('over'));
}
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  const file = event.dataTransfer && event.dataTransfer.files[0];
  if (file) searchAudio(file);
});

fetch('/healthz')
  .then((r) => (r.ok ? r.json() : undefined))
  .then((h) => {
    if (h) $('index-info').textContent = `${h.clips.toLocaleString('en')} clips indexed${h.model ? ` · model ${h.model}` : ''}`;
  })
  .catch(() => undefined);

// A search can be linked to: /?q=a+kick+drum runs it on load.
const linked = new URLSearchParams(location.search).get('q');
if (linked && linked.trim()) {
  input.value = linked.trim();
  searchText(input.value);
}
