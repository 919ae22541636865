// The Strata admin console: a first picture from GET /api/v1/admin/snapshot, then live over the WebSocket
// event stream (/api/v1/events). The API token comes from the URL fragment (#token=…, never sent to the
// server by the browser) or the sign-in form, and is kept in sessionStorage for this tab only.
(() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const PRIORITIES = ['critical', 'high', 'normal', 'low'];
  const ACTIVE = new Set(['queued', 'running', 'paused', 'backingOff']);

  const state = {
    token: null, role: null, members: [], store: null, jobs: new Map(), ingest: null, errors: [], actors: null, files: [], filesTotal: 0,
    supervisors: new Map(), storeLog: [], throughput: { t: [], ingest: [], evals: [] }, ingestLog: [], resultJob: null, ws: null, wsDelay: 500,
  };

  // ---- token
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('token')) {
    sessionStorage.setItem('strata.token', hash.get('token'));
    history.replaceState(null, '', location.pathname);
  }
  state.token = sessionStorage.getItem('strata.token');

  async function api(path, options = {}) {
    const res = await fetch(path, {
      ...options,
      headers: { authorization: `Bearer ${state.token}`, ...(options.body && typeof options.body === 'string' ? { 'content-type': 'application/json' } : {}), ...(options.headers || {}) },
    });
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = null; }
    if (!res.ok) {
      const err = new Error(body?.error?.message || `HTTP ${res.status}`);
      err.code = body?.error?.code || `HTTP_${res.status}`;
      err.status = res.status;
      throw err;
    }
    return body;
  }

  function showLogin(message) {
    $('main').hidden = true;
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    $('status').textContent = 'signed out';
  }

  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    state.token = $('token-input').value.trim();
    sessionStorage.setItem('strata.token', state.token);
    void start();
  });

  // ---- rendering
  let scheduled = false;
  function render() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; draw(); });
  }

  const secs = (ms) => (ms == null ? '–' : ms < 60000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60000).toFixed(1)} min`);
  const num = (n, d = 0) => (n == null ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: d }));

  function draw() {
    $('members').innerHTML = state.members.map((m) => `<tr data-member="${esc(m.id)}"><td>${esc(m.id)}</td><td class="state-${esc(m.status)}">${esc(m.status)}</td><td>${m.reachable ? 'yes' : '<b class="state-down">no</b>'}</td><td>${m.leader ? 'leader' : ''}${m.self ? ' (this)' : ''}</td></tr>`).join('');
    const s = state.store;
    if (s) {
      const up = s.nodes.filter((n) => n.state === 'up').length;
      $('store-summary').textContent = `${s.mode} · ${up}/${s.nodes.length} up · quorum ${s.quorum ? 'yes' : 'NO'} · replication ${s.replicationFactor}`;
      $('nodes').innerHTML = s.nodes.map((n) => `<tr data-node="${esc(n.name)}" data-state="${esc(n.state)}"><td title="${esc(n.label)}">${esc(n.name)}</td><td class="state-${esc(n.state)}">${esc(n.state)}</td><td class="state-${esc(n.breaker)}">${esc(n.breaker ?? '–')}</td><td>${n.latencyMs ? n.latencyMs.p50.toFixed(2) : '–'}</td><td>${n.latencyMs ? n.latencyMs.p99.toFixed(2) : '–'}</td><td>${n.inFlight ?? '–'}</td><td>${n.rowCounts && typeof n.rowCounts.trades === 'number' ? n.rowCounts.trades.toLocaleString('en-US') : '–'}</td><td>${typeof n.memoryBytes === 'number' ? (n.memoryBytes / 1048576).toFixed(0) : '–'}</td></tr>`).join('');
    }
    $('store-log').innerHTML = state.storeLog.slice(-6).map((l) => `<li>${esc(l)}</li>`).join('');
    const jobs = [...state.jobs.values()].sort((a, b) => (ACTIVE.has(b.state) - ACTIVE.has(a.state)) || b.submittedAt - a.submittedAt);
    $('jobs-summary').textContent = `${jobs.filter((j) => ACTIVE.has(j.state)).length} active · ${jobs.length} total`;
    $('jobs').innerHTML = jobs.slice(0, 50).map((j) => {
      const p = j.progress;
      const frac = j.state === 'completed' ? 1 : p?.fraction ?? 0;
      const actions = [];
      if (ACTIVE.has(j.state)) actions.push(`<button class="operator" data-act="cancel" data-id="${esc(j.id)}">Cancel</button>`);
      if (j.state === 'running' || j.state === 'queued') actions.push(`<button class="operator" data-act="pause" data-id="${esc(j.id)}">Pause</button>`);
      if (j.state === 'paused') actions.push(`<button class="operator" data-act="resume" data-id="${esc(j.id)}">Resume</button>`);
      if (ACTIVE.has(j.state)) actions.push(`<select class="operator" data-act="priority" data-id="${esc(j.id)}">${PRIORITIES.map((x) => `<option${x === j.priority ? ' selected' : ''}>${x}</option>`).join('')}</select>`);
      if (j.state === 'completed') actions.push(`<button data-act="result" data-id="${esc(j.id)}">Result</button>`);
      // a job the scheduler resumed after a crash (of its runner, thread or member) says so, with its account of runs
      const r = j.run;
      const waits = r ? (r.storeWaits ?? 0) : 0;
      const resumed = r && (r.interruptions > 0 || r.failures > 0 || waits > 0)
        ? ` <span class="note" data-testid="resumed" title="${esc(`${r.attempts} attempts, ${r.failures} failures, ${r.interruptions} interruptions${waits > 0 ? `, ${waits} waits for the store` : ''}; ${r.checkpoints} checkpoints, the last at ${num(r.checkpointEvaluations)} evaluations`)}">resumed ×${r.interruptions + r.failures + waits}</span>` : '';
      return `<tr data-job="${esc(j.id)}" data-state="${esc(j.state)}"><td>${esc(j.id)}</td><td class="state-${esc(j.state)}">${esc(j.state)}${resumed}${j.error ? ` <span class="error" title="${esc(j.error.message)}">${esc(j.error.code)}</span>` : ''}</td><td>${esc(j.algorithm)}</td><td>${esc(j.priority)}</td>`
        + `<td><span class="bar"><span style="width:${(frac * 100).toFixed(1)}%"></span></span> <span data-testid="progress">${(frac * 100).toFixed(0)}%</span> ${p ? `${num(p.evaluations)} evals${j.state === 'running' ? ` · ${num(p.evaluationsPerSec)}/s` : ''}` : ''}</td>`
        + `<td>${j.state === 'running' ? secs(p?.etaMs) : '–'}</td><td>${actions.join(' ')}</td></tr>`;
    }).join('');
    const ing = state.ingest;
    if (ing) $('ingest').textContent = `${ing.state}${ing.current ? ` · ${ing.current.split('/').pop()}` : ''} · queued ${ing.queued} · committed ${ing.counts.committed ?? 0}, duplicate ${ing.counts.duplicate ?? 0}, rejected ${ing.counts.rejected ?? 0}, failed ${ing.counts.failed ?? 0}${ing.recovery ? ` · the store's journal cannot be read (${ing.recovery.code}): no file is read until it can` : ''}${ing.retrying?.length ? ` · waiting for the store ${ing.retrying.length} (${ing.retrying[0].code})` : ''}`;
    $('ingest-log').innerHTML = state.ingestLog.slice(-8).map((l) => `<li>${esc(l)}</li>`).join('');
    $('files-summary').textContent = state.filesTotal > state.files.length ? `newest ${state.files.length} of ${num(state.filesTotal)}` : `${num(state.filesTotal)}`;
    $('files').innerHTML = [...state.files].reverse().map((f) => {
      const name = f.file.split('/').pop();
      return `<tr data-file="${esc(f.contentHash)}"><td title="${esc(`${f.file}\n${f.contentHash}`)}">${esc(name)}</td><td>${esc((f.format ?? '').replace(/^FORMAT_\d+_/, ''))}</td><td>${num(f.strategyIds.length)}</td>`
        + `<td>${f.rows ? num(f.rows.trades) : '–'}</td><td>${f.committedAt ? esc(new Date(f.committedAt).toISOString().slice(0, 19).replace('T', ' ')) : '–'}</td>`
        + `<td><button class="operator" data-act="remove-file" data-hash="${esc(f.contentHash)}" data-name="${esc(name)}" data-strategies="${f.strategyIds.length}">Remove</button></td></tr>`;
    }).join('');
    $('errors').innerHTML = state.errors.slice(-30).reverse().map((e) => `<li><b>${esc(e.code)}</b> ${new Date(e.at).toLocaleTimeString()} ${esc(e.source)}: ${esc(e.message)}</li>`).join('') || '<li>none</li>';
    if (state.actors) $('actors').innerHTML = `<ul>${tree(state.actors)}</ul>`;
    drawThroughput();
  }

  function tree(n) {
    const sup = (n.supervisors || []).filter((s) => s.state !== 'idle').map((s) => ` <span class="state-${esc(s.state)}">[${esc(s.scope)}: ${esc(s.state)}, ${s.failuresInWindow} failures]</span>`).join('');
    const live = state.supervisors.get(n.path);
    const name = n.path.split('/').pop() || '/';
    return `<li data-path="${esc(n.path)}"><span class="state-${esc(n.status)}">${esc(name)}</span> <small>${esc(n.status)}${n.mailboxDepth ? ` · mailbox ${n.mailboxDepth}` : ''}</small>${sup}${live ? ` <span class="state-${esc(live)}">${esc(live)}</span>` : ''}${n.children.length ? `<ul>${n.children.map(tree).join('')}</ul>` : ''}</li>`;
  }

  // ---- charts (uPlot)
  let throughputPlot = null;
  function drawThroughput() {
    const t = state.throughput;
    if (t.t.length < 2) return;
    const data = [t.t, t.ingest, t.evals];
    if (!throughputPlot) {
      throughputPlot = new uPlot({
        width: Math.max(360, $('throughput').clientWidth || 480), height: 200,
        series: [{}, { label: 'ingest rows/s', stroke: '#1976d2' }, { label: 'evaluations/s', stroke: '#2e7d32', scale: 'e' }],
        axes: [{}, { label: 'rows/s', size: 70 }, { side: 1, scale: 'e', label: 'evals/s', size: 80 }],
      }, data, $('throughput'));
    } else throughputPlot.setData(data);
  }

  let equityPlot = null;
  let paretoPlot = null;
  async function showResult(id) {
    let r;
    try { r = await api(`/api/v1/optimizer/jobs/${encodeURIComponent(id)}/result`); } catch (e) { $('action-error').textContent = `${e.code}: ${e.message}`; return; }
    state.resultJob = id;
    $('result-panel').hidden = false;
    $('result-title').textContent = `${id} · ${r.algorithm?.id ?? ''} · ${num(r.evaluations)} evaluations · ${r.nStrategies} strategies · ${r.days.first} … ${r.days.last}`;
    const m = r.best?.metrics || {};
    $('result-metrics').textContent = r.best ? `best: ${r.best.strategyIds.length} strategies · net profit ${num(m.netProfit, 2)} · max drawdown ${num(m.maxDrawdown, 2)} · Sharpe ${num(m.sharpe, 3)}` : 'no feasible portfolio';
    equityPlot?.destroy(); paretoPlot?.destroy();
    equityPlot = null; paretoPlot = null;
    $('equity').innerHTML = ''; $('pareto').innerHTML = '';
    if (r.best) {
      const x = r.best.equity.map((_, i) => i);
      equityPlot = new uPlot({
        width: Math.max(360, $('equity').clientWidth || 480), height: 220, scales: { x: { time: false } },
        series: [{ label: 'day' }, { label: 'equity', stroke: '#1976d2' }, { label: 'drawdown', stroke: '#c62828', fill: 'rgba(198,40,40,.1)' }],
        axes: [{ label: 'trading day' }, { size: 80 }],
      }, [x, r.best.equity, r.best.drawdown.map((d) => -d)], $('equity'));
    }
    const pts = (r.front || []).map((p) => [p.metrics.maxDrawdown, p.metrics.netProfit]).sort((a, b) => a[0] - b[0]);
    if (pts.length) {
      paretoPlot = new uPlot({
        width: Math.max(360, $('pareto').clientWidth || 480), height: 220, scales: { x: { time: false } },
        series: [{ label: 'max drawdown' }, { label: 'net profit', stroke: '#6a1b9a', paths: () => null, points: { show: true, size: 7 } }],
        axes: [{ label: 'max drawdown' }, { label: 'net profit', size: 90 }],
      }, [pts.map((p) => p[0]), pts.map((p) => p[1])], $('pareto'));
    }
  }

  // ---- actions
  $('jobs').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-act]');
    if (!b) return;
    const { act, id } = b.dataset;
    $('action-error').textContent = '';
    if (act === 'result') return void showResult(id);
    try { upsertJob(await api(`/api/v1/optimizer/jobs/${encodeURIComponent(id)}/${act}`, { method: 'POST' })); } catch (e) { $('action-error').textContent = `${e.code}: ${e.message}`; }
  });
  $('jobs').addEventListener('change', async (ev) => {
    const s = ev.target.closest('select[data-act="priority"]');
    if (!s) return;
    try { upsertJob(await api(`/api/v1/optimizer/jobs/${encodeURIComponent(s.dataset.id)}/priority`, { method: 'POST', body: JSON.stringify({ priority: s.value }) })); } catch (e) { $('action-error').textContent = `${e.code}: ${e.message}`; }
  });
  $('files').addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-act="remove-file"]');
    if (!b) return;
    $('action-error').textContent = '';
    // every row the file wrote goes, in every table: asked once more
    const n = Number(b.dataset.strategies);
    if (!confirm(`Remove ${b.dataset.name}: the rows of its ${n === 1 ? 'strategy' : `${n} strategies`} in every table?`)) return;
    try {
      await api(`/api/v1/consolidator/files/${b.dataset.hash}`, { method: 'DELETE' });
      await loadFiles();
    } catch (e) { $('action-error').textContent = `${e.code}: ${e.message}`; }
  });
  $('scan').addEventListener('click', async () => {
    try { await api('/api/v1/consolidator/process', { method: 'POST', body: JSON.stringify({ scanInbox: true }) }); state.ingestLog.push('inbox scan requested'); render(); } catch (e) { $('action-error').textContent = `${e.code}: ${e.message}`; }
  });
  $('upload').addEventListener('change', async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    try {
      const u = await api(`/api/v1/consolidator/uploads?name=${encodeURIComponent(f.name)}&process=true`, { method: 'POST', body: f, headers: { 'content-type': 'application/octet-stream' } });
      state.ingestLog.push(`uploaded ${u.name} (${num(u.sizeBytes)} bytes)`);
    } catch (e) { state.ingestLog.push(`upload failed: ${e.code}: ${e.message}`); }
    ev.target.value = '';
    render();
  });

  function upsertJob(j) {
    const prev = state.jobs.get(j.id);
    state.jobs.set(j.id, j);
    if (j.state === 'completed' && prev?.state !== 'completed' && (!state.resultJob || state.resultJob === j.id)) void showResult(j.id);
    render();
  }

  // ---- data
  let refreshing = null;
  async function refresh() {
    refreshing ??= (async () => {
      try {
        const s = await api('/api/v1/admin/snapshot');
        state.members = s.members; state.store = s.store; state.ingest = s.ingest; state.errors = s.errors; state.actors = s.actors;
        for (const j of s.jobs) state.jobs.set(j.id, j);
        if (state.throughput.t.length === 0) for (const p of s.throughput) pushSample(p);
        $('status').textContent = `${location.host} · store ${s.services.store} · jobs ${s.services.jobs}`;
        render();
        if (!state.resultJob) {
          const done = s.jobs.filter((j) => j.state === 'completed').pop();
          if (done) void showResult(done.id);
        }
        return true;
      } catch (e) {
        if (e.status === 401) { showLogin('That token was not accepted (STRATA_API_UNAUTHENTICATED).'); return false; }
        $('status').textContent = `unreachable: ${e.message}`;
        return true;
      } finally { setTimeout(() => { refreshing = null; }, 0); }
    })();
    return refreshing;
  }
  // the newest stored files (all of them can be many): on opening, and after a file is stored or removed
  async function loadFiles() {
    try {
      const r = await api('/api/v1/consolidator/files?limit=50');
      state.files = r.files; state.filesTotal = r.total;
      render();
    } catch { /* the snapshot's refresh reports an unreachable daemon */ }
  }
  let filesTimer = null;
  const loadFilesSoon = () => { if (!filesTimer) filesTimer = setTimeout(() => { filesTimer = null; void loadFiles(); }, 300); };
  let refreshTimer = null;
  const refreshSoon = () => { if (!refreshTimer) refreshTimer = setTimeout(() => { refreshTimer = null; void refresh(); }, 300); };

  function pushSample(p) {
    const t = state.throughput;
    t.t.push(p.at / 1000); t.ingest.push(p.ingestRowsPerSec); t.evals.push(p.evaluationsPerSec);
    if (t.t.length > 300) { t.t.shift(); t.ingest.shift(); t.evals.shift(); }
  }

  function onEvent(e) {
    const d = e.data;
    switch (true) {
      case e.type === 'hello':
        state.role = e.role;
        document.body.classList.toggle('viewer', e.role !== 'operator');
        return;
      case e.type === 'job.changed' || e.type === 'job.progress': upsertJob(d); return;
      case e.type === 'member.changed':
        state.members = [...state.members.filter((m) => m.id !== d.id), d].sort((a, b) => a.id.localeCompare(b.id));
        break;
      case e.type === 'store.node.down' || e.type === 'store.node.up' || e.type === 'store.breaker.changed': {
        const what = e.type === 'store.breaker.changed' ? `breaker ${d.from} → ${d.to}` : e.type === 'store.node.down' ? `down (${d.code})` : 'up';
        state.storeLog.push(`${new Date(e.at).toLocaleTimeString()} ${d.node} ${what}`);
        refreshSoon();
        break;
      }
      case e.type === 'store.node.changed':
        if (state.store) state.store = { ...state.store, nodes: state.store.nodes.map((n) => (n.name === d.node.name ? d.node : n)) };
        refreshSoon();
        break;
      case e.type.startsWith('store.'): refreshSoon(); return;
      case e.type === 'throughput.sample': pushSample(d); break;
      case e.type === 'supervisor.state': state.supervisors.set(d.path, d.state); refreshSoon(); break;
      case e.type.startsWith('actor.'): refreshSoon(); return;
      case e.type === 'ingest.file.started': state.ingestLog.push(`reading ${d.file.split('/').pop()} (${d.format})`); break;
      case e.type === 'ingest.file.finished': state.ingestLog.push(`${d.outcome.file.split('/').pop()}: ${d.outcome.status}`); refreshSoon(); if (d.outcome.status === 'committed') loadFilesSoon(); break;
      case e.type === 'ingest.file.removed': state.ingestLog.push(`${d.file.split('/').pop()}: removed (${d.strategies} strateg${d.strategies === 1 ? 'y' : 'ies'})`); refreshSoon(); loadFilesSoon(); break;
      case e.type === 'ingest.recovery.waiting': state.ingestLog.push(`the store's journal cannot be read (${d.code}); tried again in ${Math.max(0, Math.round((d.nextAt - Date.now()) / 1000))} s`); refreshSoon(); break;
      case e.type === 'ingest.recovered': if (d.files.length > 0) state.ingestLog.push(`reading again: ${d.files.map((f) => f.split('/').pop()).join(', ')}`); refreshSoon(); break;
      case e.type === 'mailbox.depth': return;
      default: return;
    }
    render();
  }

  function connect() {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/events?topics=consolidator,optimizer,admin&token=${encodeURIComponent(state.token)}`;
    const ws = new WebSocket(url);
    state.ws = ws;
    ws.onopen = () => { state.wsDelay = 500; $('live').textContent = 'live'; $('live').className = 'badge on'; void refresh(); };
    ws.onmessage = (m) => { try { onEvent(JSON.parse(m.data)); } catch { /* ignore a bad frame */ } };
    ws.onclose = (ev) => {
      $('live').textContent = `events off${ev.reason ? ` (${ev.reason})` : ''}`; $('live').className = 'badge off';
      if (state.ws !== ws) return;
      setTimeout(connect, state.wsDelay);
      state.wsDelay = Math.min(10000, state.wsDelay * 2);
    };
  }

  async function start() {
    if (!state.token) return showLogin('');
    $('login').hidden = true;
    $('main').hidden = false;
    if (!(await refresh())) return;
    void loadFiles();
    if (state.ws) { const old = state.ws; state.ws = null; old.close(); }
    connect();
  }

  setInterval(() => { if (state.token && !$('main').hidden) void refresh(); }, 10000);
  void start();
})();
