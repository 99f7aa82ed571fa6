// Answerdesk loader: the only script a host page loads up front. It replays the calls queued by the
// embed snippet, draws the launcher in a shadow root, and fetches the widget (wasm) and the knowledge
// base only when the visitor shows intent (hover, focus, touch or click on the launcher), or when the
// page is idle if the site owner asks for it (`preload: 'idle'`). It sets no cookies and uses no storage.
// `cargo xtask` fills in the hashed file names below after Trunk builds the widget.
(function () {
  var w = window, d = document, A = w.Answerdesk;
  if (A && A.loaded) return;
  var queue = (A && A.q) || [];
  var script = d.currentScript;
  var base = script ? new URL('.', script.src).href : '';
  var config = {}, listeners = {}, pending = [];
  var widget, loading, host, launcher, readyPayload;

  function emit(name, payload) {
    if (name === 'ready') readyPayload = payload;
    (listeners[name] || []).forEach(function (fn) {
      try { fn(payload); } catch (e) { console.error(e); }
    });
  }

  // fetch() that fails on HTTP errors too.
  function fetchOk(url) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
      return r;
    });
  }

  // The wasm module and the index's entry for the visitor's language (its hotcache: what opening the
  // index reads) download in parallel; the rest of the index comes piece by piece, as questions need it.
  function load() {
    if (loading) return loading;
    var kb = new URL(config.kb || '/kb/', location.href).href.replace(/\/?$/, '/');
    var index = fetchOk(kb + 'manifest.json').then(function (r) { return r.json(); }).then(function (m) {
      var e = m.entries || {}, lang = (config.lang || d.documentElement.lang || navigator.language || '').slice(0, 2).toLowerCase();
      var entry = e[lang] || e[Object.keys(e)[0]];
      if (!entry) return [m, null];
      return fetchOk(kb + entry.file).then(function (r) { return r.arrayBuffer(); }).then(function (b) { return [m, b]; });
    });
    launcher.setAttribute('aria-busy', 'true');
    loading = import(base + '__WIDGET_JS__').then(function (m) {
      return m.default({ module_or_path: base + '__WIDGET_WASM__' }).then(function () {
        config.kb = kb;
        widget = m.start(host.shadowRoot, launcher, config, emit, index);
        launcher.removeAttribute('aria-busy');
        pending.splice(0).forEach(function (c) { widget.call(c[0], c[1]); });
        return widget;
      });
    }).catch(function (e) {
      loading = null;
      launcher.removeAttribute('aria-busy');
      console.error('Answerdesk: could not load the widget', e);
    });
    return loading;
  }

  function mount() {
    if (host) return;
    host = d.createElement('answerdesk-widget');
    var root = host.attachShadow({ mode: 'open' });
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(
      ':host{all:initial!important}' +
      '.launcher{position:fixed;z-index:2147483647;right:20px;bottom:20px;width:56px;height:56px;' +
      'border:0;border-radius:50%;background:var(--ad-accent,#0b6e4f);color:#fff;cursor:pointer;' +
      'box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}' +
      '.launcher:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 6px var(--ad-accent,#0b6e4f)}' +
      '.launcher[aria-busy]{opacity:.8;cursor:progress}.launcher svg{width:28px;height:28px;fill:currentColor}' +
      // On phones the open panel fills the screen and has its own close button.
      '@media (max-width:480px){.launcher[aria-expanded=true]{display:none}}'
    );
    root.adoptedStyleSheets = [sheet];
    if (config.color) host.style.setProperty('--ad-accent', config.color);
    launcher = d.createElement('button');
    launcher.className = 'launcher';
    launcher.type = 'button';
    var lang = config.lang || d.documentElement.lang || navigator.language || '';
    launcher.setAttribute('aria-label', /^vi/i.test(lang) ? 'Mở trợ giúp' : 'Open help');
    launcher.setAttribute('aria-haspopup', 'dialog');
    launcher.setAttribute('aria-expanded', 'false');
    // Built node by node: innerHTML would be refused on pages that enforce Trusted Types.
    var ns = 'http://www.w3.org/2000/svg', svg = d.createElementNS(ns, 'svg'), path = d.createElementNS(ns, 'path');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    path.setAttribute('d', 'M12 2a10 10 0 0 0-8.7 14.9L2 22l5.3-1.3A10 10 0 1 0 12 2zm1 15h-2v-2h2zm2.1-7.7-.9.9c-.7.7-1.2 1.3-1.2 2.8h-2v-.5c0-1.1.5-2.1 1.2-2.8l1.2-1.3A2 2 0 1 0 10 7H8a4 4 0 1 1 7.1 2.3z');
    svg.appendChild(path);
    launcher.appendChild(svg);
    ['pointerenter', 'focus', 'touchstart'].forEach(function (type) {
      launcher.addEventListener(type, load, { once: true, passive: true });
    });
    launcher.addEventListener('click', function () { call('toggle', []); });
    root.appendChild(launcher);
    d.body.appendChild(host);
    if (config.preload === 'idle') {
      var idle = w.requestIdleCallback || function (f) { setTimeout(f, 2000); };
      idle(load);
    }
  }

  function call(method, args) {
    if (method === 'init') {
      Object.assign(config, args[0] || {});
      if (d.body) mount(); else d.addEventListener('DOMContentLoaded', mount);
    } else if (method === 'on') {
      (listeners[args[0]] = listeners[args[0]] || []).push(args[1]);
      // Subscribing to `ready` after it happened still gets it, so no listener can miss it.
      if (args[0] === 'ready' && readyPayload) args[1](readyPayload);
    } else if (method === 'off') {
      listeners[args[0]] = (listeners[args[0]] || []).filter(function (fn) { return fn !== args[1]; });
    } else if (widget) {
      widget.call(method, args);
    } else {
      pending.push([method, args]);
      // Calls that show something need the widget now; the rest wait for it.
      if (/^(open|toggle|search|escalate)$/.test(method) && host) load();
    }
  }

  function Answerdesk() { call(arguments[0], [].slice.call(arguments, 1)); }
  Answerdesk.loaded = true;
  w.Answerdesk = Answerdesk;
  queue.forEach(function (args) { call(args[0], [].slice.call(args, 1)); });
})();
