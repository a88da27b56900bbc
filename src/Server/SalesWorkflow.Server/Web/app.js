// SalesWorkflow web app (docs/web.md): plain JavaScript on the server's API, no build step, no framework.
// Every text from the server (names, notes, YAML text) is set with textContent, never parsed as HTML, and the
// server's Content-Security-Policy allows no inline script: a deal named <script> is shown as text.
'use strict';

const state = { session: null, words: {}, language: 'en' };

/** The language: the one chosen before, else the browser's (zh or en). */
function initialLanguage() {
  const chosen = localStorage.getItem('salesworkflow.language');
  if (chosen === 'zh' || chosen === 'en') return chosen;
  return (navigator.languages || [navigator.language]).some(l => (l || '').toLowerCase().startsWith('zh')) ? 'zh' : 'en';
}

async function loadWords(language) {
  const response = await fetch(`i18n/${language}.json`, { credentials: 'same-origin' });
  state.words = await response.json();
  state.language = language;
  document.documentElement.lang = language;
}

/** A word of the interface, with {0}, {1}… filled in. */
function t(key, ...values) {
  const text = key.split('.').reduce((at, part) => (at && typeof at === 'object' ? at[part] : undefined), state.words);
  return (typeof text === 'string' ? text : key).replace(/\{(\d)\}/g, (_, i) => String(values[Number(i)] ?? ''));
}

/** A text of the process in the current language (its languages, then its only text, then English, then any). */
function local(texts) {
  if (!texts) return '';
  return texts[state.language] ?? texts[''] ?? texts.en ?? Object.values(texts)[0] ?? '';
}

/** An element with attributes and children; strings become text nodes. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function money(amount, currency) {
  return new Intl.NumberFormat(state.language === 'zh' ? 'zh-CN' : 'en-US', { maximumFractionDigits: 0 }).format(amount) + (currency ? ' ' + currency : '');
}

function when(iso) {
  return new Intl.DateTimeFormat(state.language === 'zh' ? 'zh-CN' : 'en-US', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

/** Calls the API; a change carries the session's anti-forgery token. Returns { ok, status, body }. */
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && state.session && state.session.antiforgeryToken) headers['X-XSRF-TOKEN'] = state.session.antiforgeryToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch('/api' + path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
  return { ok: response.ok, status: response.status, body: parsed };
}

function problem(result) {
  return (result.body && (result.body.detail || result.body.title)) || String(result.status);
}

const main = () => document.getElementById('main');

function show(...nodes) {
  main().replaceChildren(...nodes.flat().filter(n => n !== null && n !== undefined && n !== false));
}

function renderBar() {
  const bar = document.getElementById('bar');
  const switchLanguage = el('button', { type: 'button', id: 'language', onclick: async () => {
    const next = state.language === 'zh' ? 'en' : 'zh';
    localStorage.setItem('salesworkflow.language', next);
    await loadWords(next);
    await route();
  } }, t('switchLanguage'));
  const items = [el('span', { class: 'brand' }, t('app')), switchLanguage];
  if (state.session) {
    items.splice(1, 0, el('a', { href: '#/inbox' }, t('inbox')), el('a', { href: '#/process', id: 'process-link' }, t('process')), el('span', { id: 'who' }, state.session.userId));
    items.push(el('button', { type: 'button', id: 'sign-out', onclick: async () => { await api('DELETE', '/session'); state.session = null; location.hash = '#/inbox'; await route(); } }, t('signOut')));
  }
  bar.replaceChildren(...items);
}

function renderSignIn(message) {
  renderBar();
  const user = el('input', { id: 'user', name: 'user', autocomplete: 'username', required: true });
  const password = el('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = el('p', { class: 'error', id: 'sign-in-error', role: 'alert' }, message || '');
  const form = el('form', { class: 'signin card', onsubmit: async event => {
    event.preventDefault();
    const result = await api('POST', '/session', { userId: user.value, password: password.value });
    if (!result.ok) { error.textContent = t('signInFailed'); return; }
    state.session = result.body;
    await route();
  } },
  el('h1', {}, t('signIn')),
  el('label', { for: 'user' }, t('user')), user,
  el('label', { for: 'password' }, t('password')), password,
  el('p', {}, el('button', { class: 'primary', type: 'submit', id: 'sign-in' }, t('signIn'))),
  error);
  show(form);
}

async function renderInbox(notice) {
  const result = await api('GET', '/inbox');
  if (result.status === 401) return renderSignIn();
  if (!result.ok) return show(el('p', { class: 'error' }, problem(result)));
  const inbox = result.body;
  const nodes = [el('h1', {}, t('inbox'))];
  if (notice) nodes.push(el('p', { id: 'notice', role: 'status' }, notice));
  if (inbox.deals.length === 0) nodes.push(el('p', {}, t('noDeals')));
  for (const stage of inbox.stages) {
    const deals = inbox.deals.filter(d => d.stage === stage.id);
    if (deals.length === 0) continue;
    nodes.push(el('section', { 'data-stage': stage.id },
      el('h2', {}, local(stage.name), el('span', { class: 'meta' }, ' · ' + t('deals', deals.length))),
      deals.map(dealCard)));
  }

  if (inbox.truncated) nodes.push(el('p', { class: 'meta' }, t('truncated')));
  show(...nodes);
}

function dealCard(deal) {
  const card = el('article', { class: 'card deal', 'data-deal': deal.dealId },
    el('h3', {}, el('a', { href: '#/deals/' + encodeURIComponent(deal.dealId), class: 'deal-name' }, deal.name || deal.dealId),
      el('span', { class: 'badge ' + (deal.blocked ? 'blocked' : 'ready') }, deal.blocked ? t('blocked') : t('ready'))),
    el('div', { class: 'meta' }, [deal.account, money(deal.amount, deal.currency), t('health', deal.health), t('inStageSince', when(deal.enteredStageAt))].filter(Boolean).join(' · ')));
  if (deal.blockers.length > 0) {
    card.append(el('div', { class: 'blockers' }, el('strong', {}, t('blockedBy')),
      el('ul', { class: 'plain' }, deal.blockers.map(b => el('li', { 'data-criterion': b.id },
        local(b.description) || b.id,
        b.failingTerm ? el('span', {}, ' ', el('code', {}, b.failingTerm)) : null,
        b.values.length > 0 ? el('span', { class: 'meta' }, ' ' + t('reads') + ' ', b.values.map(v => el('code', { class: 'values' }, `${v.expression} = ${v.value}`))) : null)))));
  }

  if (deal.checklist.length > 0) {
    card.append(el('div', {}, el('strong', {}, t('checklist')), el('ul', { class: 'plain' }, deal.checklist.map(item => {
      const box = el('input', { type: 'checkbox', id: `check-${deal.dealId}-${item.id}`, checked: item.done, disabled: item.done, onchange: async () => {
        const result = await api('POST', `/deals/${encodeURIComponent(deal.dealId)}/checklist/${encodeURIComponent(item.id)}`);
        await renderInbox(result.ok ? t('done') : t('failed', problem(result)));
      } });
      return el('li', {}, box, ' ', el('label', { for: box.id }, local(item.text) || item.id), item.required ? null : el('span', { class: 'meta' }, ` (${t('optional')})`));
    }))));
  }

  if (deal.tasks.length > 0) {
    card.append(el('div', {}, el('strong', {}, t('tasksDue')), el('ul', { class: 'plain' }, deal.tasks.map(task => el('li', {},
      local(task.title) || task.id, task.dueAt ? el('span', { class: 'meta' }, ' · ' + t('due', when(task.dueAt))) : null,
      task.overdue ? el('span', { class: 'badge late' }, t('overdue')) : null)))));
  }

  if (deal.escalations.length > 0) {
    card.append(el('div', {}, el('strong', {}, t('escalationsDue')), el('ul', { class: 'plain' }, deal.escalations.map(e => el('li', {}, t('escalation', e.id, e.level, e.notify, when(e.dueAt)))))));
  }

  const kind = el('select', { name: 'kind', 'aria-label': t('kind') }, Object.keys(state.words.kinds || {}).map(k => el('option', { value: k }, t('kinds.' + k))));
  const notes = el('input', { name: 'notes', placeholder: t('notes'), 'aria-label': t('notes') });
  card.append(el('form', { class: 'inline log-activity', onsubmit: async event => {
    event.preventDefault();
    const result = await api('POST', `/deals/${encodeURIComponent(deal.dealId)}/activities`, { id: 'web-' + Date.now().toString(36), kind: kind.value, at: new Date().toISOString(), notes: notes.value });
    await renderInbox(result.ok ? t('done') : t('failed', problem(result)));
  } }, el('strong', {}, t('logActivity')), kind, notes, el('button', { type: 'submit', class: 'primary' }, t('save')),
  el('button', { type: 'button', class: 'advance', onclick: async () => {
    const result = await api('POST', `/deals/${encodeURIComponent(deal.dealId)}/advance`, {});
    await renderInbox(result.ok ? t('advanced', result.body.stage) : t('refused', problem(result)));
  } }, t('advance'))));
  return card;
}

async function renderDeal(dealId, notice) {
  const result = await api('GET', '/deals/' + encodeURIComponent(dealId));
  if (result.status === 401) return renderSignIn();
  if (!result.ok) return show(el('p', { class: 'error', id: 'not-found' }, result.status === 404 ? t('notFound') : problem(result)), el('p', {}, el('a', { href: '#/inbox' }, t('backToInbox'))));
  const deal = result.body;
  const [explanation, history, process] = await Promise.all([
    api('GET', `/deals/${encodeURIComponent(dealId)}/explanation?language=${state.language}`),
    api('GET', `/deals/${encodeURIComponent(dealId)}/history`),
    api('GET', `/processes/${encodeURIComponent(deal.processId)}/view?version=${deal.processVersion}`),
  ]);
  const stageNames = new Map((process.ok ? process.body.stages : []).map(st => [st.id, local(st.name)]));
  const stageName = id => stageNames.get(id) || id;
  const reason = el('input', { name: 'reason', placeholder: t('overrideReason'), 'aria-label': t('overrideReason'), required: true });
  const override = deal.status === 'open' ? el('form', { class: 'inline', id: 'override', onsubmit: async event => {
    event.preventDefault();
    const moved = await api('POST', `/deals/${encodeURIComponent(dealId)}/override`, { reason: reason.value, toStage: null });
    await renderDeal(dealId, moved.ok ? t('advanced', stageName(moved.body.stage)) : moved.status === 403 ? t('overrideRefused') : t('refused', problem(moved)));
  } }, el('strong', {}, t('override')), reason, el('button', { type: 'submit', class: 'primary' }, t('overrideButton'))) : null;
  const evaluation = deal.lastEvaluation;
  const entered = (history.ok ? history.body : []).filter(e => e.stage && (e.type === 'tracking-started' || e.type.startsWith('stage-') || e.type === 'gate-overridden' || e.type === 'deal-reopened'));
  const stays = [];
  for (const event of entered) {
    if (stays.length === 0 || stays[stays.length - 1].stage !== event.stage) stays.push({ stage: event.stage, at: event.at });
  }

  show(
    el('p', {}, el('a', { href: '#/inbox' }, t('backToInbox'))),
    el('h1', { id: 'deal-title' }, deal.opportunity.name || deal.dealId),
    notice ? el('p', { id: 'deal-notice', role: 'status' }, notice) : null,
    el('table', {}, el('tbody', {},
      el('tr', {}, el('th', {}, t('account')), el('td', {}, deal.account.name || deal.account.id || '')),
      el('tr', {}, el('th', {}, t('amount')), el('td', {}, money(deal.opportunity.amount, deal.opportunity.currency))),
      el('tr', {}, el('th', {}, t('status')), el('td', { id: 'deal-stage' }, `${deal.status} · ${stageName(deal.stage)} · ${t('health', evaluation.health)}`)))),
    el('h2', {}, t('stagePath')),
    el('ol', { class: 'path' }, stays.map((stay, i) => el('li', { class: i === stays.length - 1 ? 'current' : null },
      `${stageName(stay.stage)} · ${t('days', Math.max(0, Math.round(((i + 1 < stays.length ? new Date(stays[i + 1].at) : new Date()) - new Date(stay.at)) / 86400000)))}`))),
    el('h2', {}, t('gate')),
    el('ul', { class: 'plain', id: 'gate' }, evaluation.gate.criteria.map(c => el('li', {}, el('span', { class: 'badge ' + (c.passed ? 'ready' : 'blocked') }, c.passed ? t('passes') : t('fails')), ' ', c.id,
      c.passed ? null : c.valuesRead.map(v => el('code', { class: 'values' }, ` ${v.expression} = ${v.value}`))))),
    override,
    el('h2', {}, t('risks')),
    evaluation.risks.length === 0 ? el('p', {}, t('noRisks')) : el('ul', { class: 'plain' }, evaluation.risks.map(r => el('li', {}, `${r.id} (${r.category}, ${r.severity})`, r.advice ? el('div', { class: 'meta' }, local(r.advice)) : null))),
    el('h2', {}, t('explanation')),
    el('pre', { class: 'explain', id: 'explanation' }, explanation.ok ? explanation.body.text : problem(explanation)),
    el('h2', {}, t('timeline')),
    el('table', { id: 'timeline' }, el('tbody', {}, (history.ok ? history.body : []).map(e => el('tr', {}, el('td', {}, when(e.at)), el('td', {}, e.type), el('td', {}, e.stage || ''), el('td', {}, e.actor || ''))))));
}

/** Loads Mermaid (vendor/mermaid, only for this screen) once. */
let mermaidLoaded = null;
function loadMermaid() {
  mermaidLoaded ??= new Promise((resolve, reject) => {
    const script = el('script', { src: 'vendor/mermaid/mermaid.min.js' });
    script.addEventListener('load', () => {
      // strict: labels are text (Mermaid sanitizes them), no click handlers, no HTML from the diagram's source.
      window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral', htmlLabels: false, flowchart: { htmlLabels: false } });
      resolve(window.mermaid);
    });
    script.addEventListener('error', reject);
    document.head.append(script);
  });
  return mermaidLoaded;
}

async function renderProcess(processId) {
  const list = await api('GET', '/processes');
  if (list.status === 401) return renderSignIn();
  const running = list.ok ? list.body.filter(p => p.latestVersion !== null) : [];
  if (!processId) {
    if (running.length === 0) return show(el('p', { class: 'error' }, t('noProcess')));
    processId = running[0].id;
  }

  // Every process the server runs, one link each.
  const others = el('nav', { class: 'processes' }, running.map(p => el('a', { href: '#/process/' + encodeURIComponent(p.id), 'data-process': p.id, class: p.id === processId ? 'current' : null },
    state.language === 'zh' ? p.nameZh : p.name)));

  const result = await api('GET', `/processes/${encodeURIComponent(processId)}/view?language=${state.language}`);
  if (result.status === 401) return renderSignIn();
  if (!result.ok) return show(el('p', { class: 'error', id: 'not-found' }, result.status === 404 ? t('noProcess') : problem(result)));
  const view = result.body;
  const diagram = el('div', { id: 'diagram', class: 'card' });
  const kinds = { open: t('kindOpen'), won: t('kindWon'), lost: t('kindLost') };
  show(
    others,
    el('h1', { id: 'process-title' }, `${local(view.name)} (${view.id} v${view.version})`),
    el('h2', {}, t('diagram')), diagram,
    view.stages.map(stage => el('section', { class: 'card stage', 'data-stage': stage.id },
      el('h3', {}, local(stage.name), el('span', { class: 'meta' }, ` · ${kinds[stage.kind] || stage.kind} · ${t('probability', Math.round(stage.probability * 100) + '%')}`)),
      local(stage.norms) ? el('div', {}, el('strong', {}, t('norms')), el('p', { class: 'norms' }, local(stage.norms))) : null,
      stage.checklist.length ? el('div', {}, el('strong', {}, t('checklist')), el('ul', { class: 'plain' }, stage.checklist.map(i => el('li', {}, local(i.text) || i.id, i.required ? null : el('span', { class: 'meta' }, ` (${t('optional')})`))))) : null,
      stage.criteria.length ? el('div', {}, el('strong', {}, t('exitCriteria')), el('ul', { class: 'plain' }, stage.criteria.map(c => el('li', { 'data-criterion': c.id }, local(c.description) || c.id, ' ', el('code', {}, c.condition))))) : null,
      stage.tasks.length ? el('div', {}, el('strong', {}, t('stageTasks')), el('ul', { class: 'plain' }, stage.tasks.map(task => el('li', {}, local(task.title) || task.id,
        el('span', { class: 'meta' }, [task.due ? ' · ' + t('dueIn', task.due) : '', ' · ' + t('assignee', task.assignee)].join('')))))) : null,
      stage.escalations.length ? el('div', {}, el('strong', {}, t('escalations')), el('ul', { class: 'plain' }, stage.escalations.map(e => el('li', {}, local(e.name) || e.id,
        el('span', { class: 'meta' }, ' · ' + (e.timeInStage ? t('stallAfter', e.timeInStage) : t('when', e.condition || ''))),
        el('ul', { class: 'plain levels' }, e.levels.map(l => el('li', {}, t('tells', l.number, l.notify, l.after)))))))) : null)));
  try {
    const mermaid = await loadMermaid();
    const { svg } = await mermaid.render('process-diagram', view.mermaid);
    // Mermaid's own output (labels sanitized in strict mode), parsed as SVG rather than written as HTML.
    const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
    diagram.replaceChildren(document.importNode(parsed, true));
  } catch (error) {
    diagram.replaceChildren(el('pre', { class: 'explain' }, view.mermaid));
  }
}

async function route() {
  if (!state.session) {
    const current = await api('GET', '/session');
    state.session = current.ok ? current.body : null;
  }

  renderBar();
  if (!state.session) return renderSignIn();
  const deal = /^#\/deals\/(.+)$/.exec(location.hash);
  if (deal) return renderDeal(decodeURIComponent(deal[1]));
  const process = /^#\/process(?:\/(.+))?$/.exec(location.hash);
  if (process) return renderProcess(process[1] ? decodeURIComponent(process[1]) : null);
  return renderInbox();
}

window.addEventListener('hashchange', () => { route(); });
window.addEventListener('DOMContentLoaded', async () => {
  await loadWords(initialLanguage());
  await route();
});
