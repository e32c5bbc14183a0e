// The Stepwise dashboard: reads GET /api/v1/dashboard/stream (server-sent events, one aggregated view per change)
// with the token the person signs in with, and sends rollout actions to the API after a confirmation.
'use strict';

const TOKEN = 'stepwise-token';
const STEPS = ['canary', 'baking', 'rehearsing', 'rehearsalBake', 'rereleasing', 'waves', 'complete'];
const PHASE_WORDS = {
  pending: 'pending', canary: 'canary', baking: 'baking', rehearsing: 'rehearsing', rehearsalBake: 'rehearsal bake',
  rereleasing: 're-releasing', waves: 'waves', complete: 'complete', paused: 'paused', rollingBack: 'rolling back',
  rolledBack: 'rolled back', aborted: 'aborted', failed: 'failed',
};
const TONE = {
  active: 'ok', complete: 'ok', pass: 'ok', passing: 'ok', healthy: 'ok',
  draining: 'info', canary: 'info', baking: 'info', rehearsing: 'info', rehearsalBake: 'info', rereleasing: 'info', waves: 'info', running: 'info', pending: 'idle', info: 'info',
  quarantined: 'warn', paused: 'warn', marginal: 'warn', warning: 'warn', noData: 'warn', unknown: 'warn', starting: 'warn',
  offline: 'bad', rollingBack: 'bad', rolledBack: 'bad', aborted: 'bad', failed: 'bad', fail: 'bad', critical: 'bad', unhealthy: 'bad',
  decommissioned: 'idle', none: 'idle',
};

let token = sessionStorage.getItem(TOKEN);
let stream = null;
let view = null;

const $ = (selector, root = document) => root.querySelector(selector);

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'style') node.style.cssText = value; // CSSOM, which the page's content security policy allows
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const state = (name, words) => el('span', { class: `state ${TONE[name] ?? 'idle'}` }, words ?? PHASE_WORDS[name] ?? name);
const time = at => at ? new Date(at).toLocaleTimeString() : '';
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

function setStatus(text) { $('#status').textContent = text; }

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...(options.headers ?? {}), Authorization: `Bearer ${token}` } });
  return response;
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return problem.detail ?? problem.title ?? `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

// ---- sign-in ----

async function signIn(event) {
  event.preventDefault();
  token = $('#token').value.trim();
  const response = await api('/api/v1/dashboard');
  if (!response.ok) {
    $('#sign-in-error').textContent = response.status === 401 ? 'That token is not valid.' : await problemText(response);
    token = null;
    return;
  }
  sessionStorage.setItem(TOKEN, token);
  $('#token').value = '';
  start(await response.json());
}

function signOut() {
  sessionStorage.removeItem(TOKEN);
  token = null;
  stream?.abort();
  $('#board').hidden = true;
  $('#sign-out').hidden = true;
  $('#sign-in').hidden = false;
  setStatus('signed out');
  $('#token').focus();
}

function start(first) {
  $('#sign-in').hidden = true;
  $('#board').hidden = false;
  $('#sign-out').hidden = false;
  $('#sign-in-error').textContent = '';
  if (first) render(first);
  connect();
}

// ---- live updates: server-sent events read with fetch, so the token travels in a header, never in the URL ----

async function connect() {
  stream?.abort();
  const controller = new AbortController();
  stream = controller;
  while (!controller.signal.aborted && token) {
    try {
      const response = await fetch('/api/v1/dashboard/stream', { headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' }, signal: controller.signal });
      if (response.status === 401) { signOut(); $('#sign-in-error').textContent = 'The token no longer works; sign in again.'; return; }
      if (!response.ok) throw new Error(await problemText(response));
      setStatus('live');
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = message.split('\n');
          const kind = lines.find(l => l.startsWith('event: '))?.slice(7);
          const data = lines.filter(l => l.startsWith('data: ')).map(l => l.slice(6)).join('\n');
          if (kind === 'dashboard' && data) render(JSON.parse(data));
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      setStatus(`reconnecting (${error.message ?? error})`);
    }
    await new Promise(resolve => setTimeout(resolve, 2000));
  }
}

// ---- rendering ----

function render(next) {
  const first = view === null;
  view = next;
  setStatus(`live · ${next.leader ? 'leader' : 'replica'} · ${time(next.at)}`);
  replace('#fleet', fleet(next.services));
  replace('#rollouts', rollouts(next.rollouts));
  replace('#data', dataChanges(next.dataChanges));
  replace('#refusals', refusals(next.refusals, next.events));
  replace('#alerts', alerts(next.alerts));
  replace('#callers', callers(next.callers, next.callerCount));
  replace('#timeline', timeline(next.events));
  if (first) performance.mark('stepwise-first-render'); // read by bench/Stepwise.DashboardBench
}

function replace(section, content) {
  const body = $(`${section} .body`);
  // Keep the focused control focused across updates (keyboard users would otherwise lose their place).
  const focused = document.activeElement?.dataset?.key;
  body.replaceChildren(content);
  if (focused) $(`[data-key="${CSS.escape(focused)}"]`)?.focus();
}

function fleet(services) {
  if (!services.length) return el('p', { class: 'muted' }, 'No services yet.');
  return el('div', { class: 'cards' }, services.map(s => {
    const counted = Object.values(s.nodesByRelease).reduce((a, b) => a + b, 0);
    const inside = s.span <= 2;
    const windowText = s.window.length === 2 ? `${s.window[0]} and ${s.window[1]}` : s.window[0] ?? 'no current release yet';
    return el('article', { class: 'card', 'aria-label': `service ${s.name}` },
      el('h3', {}, s.name),
      el('p', { class: 'window' }, 'Window: ', el('strong', {}, windowText), ' ',
        inside ? state('active', 'inside the window') : state('failed', `outside the window: ${s.span} releases`)),
      s.rolloutInFlight ? el('p', {}, 'Rollout in flight: ', el('a', { href: '#rollouts' }, s.rolloutInFlight)) : null,
      releaseBar(s, counted),
      el('table', {},
        el('caption', { class: 'muted' }, `${plural(counted, 'node', 'nodes')} by release`),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'release'), el('th', { scope: 'col' }, 'nodes'))),
        el('tbody', {}, Object.entries(s.nodesByRelease).map(([release, n]) => el('tr', {}, el('td', {}, release), el('td', {}, n))))),
      el('p', {}, 'States: ', Object.entries(s.nodesByState).map(([name, n]) => [state(name, `${n} ${name}`), ' '])),
      s.attentionCount ? el('div', { class: 'attention' },
        el('h4', {}, `Need a look: ${plural(s.attentionCount, 'node', 'nodes')}${s.attentionCount > s.attention.length ? ` (first ${s.attention.length})` : ''}`),
        el('table', {},
          el('thead', {}, el('tr', {}, ['node', 'runs', 'told to run', 'state', 'health'].map(h => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, s.attention.map(n => el('tr', { 'data-node': n.id },
            el('td', {}, n.id), el('td', {}, n.actualRelease ?? 'none'), el('td', {}, n.desiredRelease ?? ''),
            el('td', {}, state(n.state)), el('td', {}, state(n.health))))))) : null);
  }));
}

function releaseBar(s, counted) {
  if (!counted) return null;
  const parts = Object.entries(s.nodesByRelease).map(([release, n]) => {
    const tone = release === s.window[s.window.length - 1] ? 'to' : s.window.includes(release) ? 'from' : 'other';
    return el('span', { class: tone, style: `width:${(100 * n / counted).toFixed(2)}%`, title: `${release}: ${n}` });
  });
  return el('div', { class: 'bar', role: 'img', 'aria-label': Object.entries(s.nodesByRelease).map(([r, n]) => `${n} on ${r}`).join(', ') }, parts);
}

function rollouts(list) {
  if (!list.length) return el('p', { class: 'muted' }, 'No rollouts yet.');
  return el('div', {}, list.map(r => {
    const inFlight = !['complete', 'rolledBack', 'aborted', 'failed'].includes(r.phase);
    // A paused rollout is shown at the step it goes on with.
    const step = STEPS.indexOf(r.phase === 'paused' ? r.pausedFrom : r.phase);
    const here = r.phase === 'paused' ? 'warn' : 'info';
    return el('article', { class: 'card rollout', 'data-rollout': r.id, 'aria-label': `rollout ${r.id}` },
      el('h3', {}, `${r.id}: ${r.service} ${r.from} → ${r.to}`),
      el('p', { class: 'phase' }, state(r.phase, r.phase === 'waves' ? `waves ${r.wave}` : undefined), ' ',
        `${r.nodesOnTo}/${r.nodesTotal} nodes on ${r.to}`, ' ', el('span', { class: 'muted' }, `since ${time(r.phaseSince)}`)),
      el('ol', { class: 'steps', 'aria-label': 'steps' }, STEPS.map((name, i) =>
        el('li', { class: `state ${i < step ? 'ok' : i === step ? here : 'idle'}`, 'aria-current': i === step ? 'step' : null }, PHASE_WORDS[name]))),
      r.waitsFor ? el('p', { class: 'gate' }, state('paused', `waits for approval: ${r.waitsFor}`)) : null,
      r.reason ? el('p', { class: 'reason' }, el('strong', {}, inFlight ? 'Why: ' : 'Outcome: '), r.reason) : null,
      r.analysis ? analysis(r.analysis) : null,
      inFlight ? actions(r) : null);
  }));
}

function analysis(a) {
  const metrics = a.metrics ?? [];
  const max = Math.max(1e-9, ...metrics.flatMap(m => [m.canaryValue ?? 0, m.baselineValue ?? 0]));
  const row = 34;
  return el('div', { class: 'analysis' },
    el('p', {}, 'Analysis of ', PHASE_WORDS[a.stage] ?? a.stage, ': ', state(a.verdict), ` score ${Math.round(a.score)}`, ' ', el('span', { class: 'muted' }, a.summary)),
    metrics.length ? chart(metrics, max, row) : null,
    el('table', {},
      el('thead', {}, el('tr', {}, ['metric', 'canary', 'baseline', 'verdict', 'why'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, metrics.map(m => el('tr', {},
        el('td', {}, m.name), el('td', {}, number(m.canaryValue)), el('td', {}, number(m.baselineValue)),
        el('td', {}, state(m.verdict)), el('td', {}, m.reason))))));
}

function chart(metrics, max, row) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', '420');
  svg.setAttribute('height', String(metrics.length * row + 6));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', metrics.map(m => `${m.name}: canary ${number(m.canaryValue)}, baseline ${number(m.baselineValue)}`).join('; '));
  metrics.forEach((m, i) => {
    const y = i * row;
    const label = document.createElementNS(ns, 'text');
    label.setAttribute('x', '0'); label.setAttribute('y', String(y + 20));
    label.textContent = m.name;
    svg.append(label);
    [['canary', m.canaryValue, '#2563eb', 4], ['baseline', m.baselineValue, '#6b7280', 17]].forEach(([, value, colour, dy]) => {
      const bar = document.createElementNS(ns, 'rect');
      bar.setAttribute('x', '130'); bar.setAttribute('y', String(y + dy));
      bar.setAttribute('height', '11'); bar.setAttribute('width', String(Math.max(1, 280 * (value ?? 0) / max)));
      bar.setAttribute('fill', colour);
      svg.append(bar);
    });
  });
  return el('figure', {}, svg, el('figcaption', { class: 'muted' }, 'blue: canary, grey: baseline'));
}

const number = v => v === null || v === undefined ? '—' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3);

function actions(r) {
  const available = [];
  if (r.waitsFor) available.push('approve');
  if (r.phase === 'paused' && !r.waitsFor) available.push('resume');
  if (r.phase !== 'paused' && r.phase !== 'rollingBack') available.push('pause');
  if (r.phase === 'waves' || r.phase === 'baking') available.push('promote');
  available.push('abort');
  return el('div', { class: 'actions' }, available.map(action =>
    el('button', { type: 'button', 'data-key': `${action}:${r.id}`, 'aria-label': `${action} rollout ${r.id}`, class: action === 'approve' ? 'primary' : null,
      onclick: () => confirmAction(r, action) }, action[0].toUpperCase() + action.slice(1))));
}

const EXPLAIN = {
  approve: 'The rollout goes on to the step after its gate.',
  resume: 'The rollout goes on from where it paused.',
  pause: 'The rollout stops where it is; nodes keep the release they run.',
  promote: 'The rollout skips the rest of its bakes and analysis and moves every node to the new release.',
  abort: 'The rollout stops and every node goes back to the release it came from.',
};

function confirmAction(r, action) {
  const dialog = $('#confirm');
  $('#confirm-title').textContent = `${action[0].toUpperCase() + action.slice(1)} ${r.id}?`;
  $('#confirm-text').textContent = `${r.service} ${r.from} → ${r.to}. ${EXPLAIN[action]}`;
  $('#confirm-reason').value = '';
  dialog.returnValue = '';
  dialog.onclose = async () => {
    if (dialog.returnValue !== 'confirm') return;
    const reason = $('#confirm-reason').value.trim() || `from the dashboard`;
    const response = await api(`/api/v1/rollouts/${encodeURIComponent(r.id)}/${action}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ reason }),
    });
    setStatus(response.ok ? `${action} ${r.id}: sent` : `${action} ${r.id}: ${response.status === 403 ? 'needs an admin token' : await problemText(response)}`);
  };
  dialog.showModal();
  $('#confirm-ok').focus();
}

function dataChanges(list) {
  if (!list.length) return el('p', { class: 'muted' }, 'No data changes declared.');
  return el('table', {},
    el('thead', {}, el('tr', {}, ['change', 'stores', 'phases', 'progress'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, list.map(c => el('tr', { 'data-change': c.id },
      el('td', {}, c.id), el('td', {}, c.stores.join(', ')),
      el('td', {}, c.phases.map(p => {
        const states = c.states.filter(s => s.phase === p);
        const word = states.length ? states.map(s => `${p} ${s.state}${c.stores.length > 1 ? ` on ${s.store}` : ''}`).join(', ') : `${p} not started`;
        return [state(states[0]?.state ?? 'pending', word), ' '];
      })),
      el('td', {}, el('progress', { max: '1', value: String(c.progress), 'aria-label': `${c.id} progress` }), ` ${Math.round(100 * c.progress)}%`)))));
}

function refusals(list, events) {
  // In force: what Decide refuses on the live state now. Recently refused: refusals in the event log (a refused
  // request is answered at once and does not stay in force).
  const recent = events.filter(e => e.kind === 'refusal' && e.data).map(e => ({ ...e.data, at: e.at }));
  const card = r => el('li', { class: 'card refusal' },
    el('p', {}, state('failed', r.guarantee), ' ', el('strong', {}, r.subject), r.at ? el('span', { class: 'muted' }, ` at ${time(r.at)}`) : null),
    el('p', {}, r.message),
    r.blockers?.length ? el('p', {}, 'Blocked by: ', r.blockers.map(b => `${b.id} (${b.detail})`).join('; '),
      r.blockerCount > r.blockers.length ? ` and ${r.blockerCount - r.blockers.length} more` : '') : null,
    el('p', {}, el('strong', {}, 'To unblock: '), r.unblock));
  return el('div', {},
    list.length ? el('ul', { class: 'plain', 'aria-label': 'refusals in force' }, list.map(card)) : el('p', { class: 'muted' }, 'Nothing is refused now.'),
    recent.length ? el('h3', {}, 'Recently refused') : null,
    recent.length ? el('ul', { class: 'plain', 'aria-label': 'recently refused' }, recent.map(card)) : null);
}

function alerts(list) {
  if (!list.length) return el('p', { class: 'muted' }, 'No alerts.');
  return el('table', {},
    el('thead', {}, el('tr', {}, ['severity', 'guarantee', 'alert', 'since'].map(h => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, list.map(a => el('tr', { 'data-alert': a.key },
      el('td', {}, state(a.severity)), el('td', {}, a.guarantee ?? ''), el('td', {}, a.message), el('td', {}, time(a.since))))));
}

function callers(list, total) {
  if (!list.length) return el('p', { class: 'muted' }, 'No client telemetry in the window.');
  const tone = { provided: 'ok', deprecated: 'warn', removed: 'bad' };
  return el('div', {},
    el('p', { class: 'muted' }, `Calls to operations the newest release deprecates or removes come first: those clients hold up a removal (G8).${total > list.length ? ` ${list.length} of ${total} rows.` : ''}`),
    el('table', {},
      el('thead', {}, el('tr', {}, ['service', 'operation', 'newest release', 'client', 'calls', 'share', 'last seen'].map(h => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, list.map(c => el('tr', {},
        el('td', {}, c.service), el('td', {}, el('code', {}, c.operation)), el('td', {}, el('span', { class: `state ${tone[c.standing] ?? 'idle'}` }, c.standing)),
        el('td', {}, `${c.app} ${c.version}`), el('td', {}, c.calls), el('td', {}, `${Math.round(100 * c.share)}%`), el('td', {}, time(c.lastSeen)))))));
}

function timeline(events) {
  if (!events.length) return el('p', { class: 'muted' }, 'No events yet.');
  return el('ol', { class: 'plain' }, events.map(e => el('li', {},
    el('span', { class: 'muted' }, time(e.at)), ' ', el('strong', {}, e.kind), e.subject ? ` ${e.subject}` : '', ': ', e.message)));
}

// ---- start ----

document.addEventListener('DOMContentLoaded', () => {
  $('#sign-in').addEventListener('submit', signIn);
  $('#sign-out').addEventListener('click', signOut);
  if (token) start(null);
});
