// Answerdesk loader: the only script a host page loads up front. It replays the calls queued by the
// embed snippet, draws the launcher in a shadow root, and fetches the widget (wasm) and the knowledge
// base only when the visitor shows intent (hover, focus, touch or click on the launcher), or when the
// page is idle if the site owner asks for it (`preload: 'idle'`). It sets no cookies and uses no storage.
// A click before the widget is ready opens the shell: the panel's frame with a working search box, so the
// visitor types at once; the widget takes over the text, the caret and the open state when it starts.
// The frame's styles live here, once, for the shell and the widget's panel alike.
// `cargo xtask` fills in the hashed file names below after Trunk builds the widget.
(function () {
  var w = window, d = document, A = w.Answerdesk;
  if (A && A.loaded) return;
  var queue = (A && A.q) || [];
  // The launcher's label, then the panel's title, close, search label, placeholder and loading status
  // (the widget's own words: i18n.rs, a test keeps them equal), and the way on when the widget's code
  // cannot load.
  var WORDS = {
    en: ['Open help', 'How can we help?', 'Close help', 'Search the help center', 'Type your question…', 'Loading answers…',
      'Could not load. Open the help center'],
    vi: ['Mở trợ giúp', 'Chúng tôi có thể giúp gì?', 'Đóng trợ giúp', 'Tìm trong trung tâm trợ giúp', 'Nhập câu hỏi của bạn…',
      'Đang tải câu trả lời…', 'Không tải được. Mở trung tâm trợ giúp']
  };
  var DARK = '--bg:#16191d;--fg:#e8eaed;--muted:#a3acb5;--line:#30363d;--soft:#21262d';
  var script = d.currentScript;
  var base = script ? new URL('.', script.src).href : '';
  var config = {}, listeners = {}, pending = [];
  var widget, loading, host, launcher, readyPayload, shell, typed, status, lang;

  function emit(name, payload) {
    if (name === 'ready') readyPayload = payload;
    (listeners[name] || []).forEach((fn) => {
      try { fn(payload); } catch (e) { console.error(e); }
    });
  }

  // fetch() that fails on HTTP errors too.
  function fetchOk(url) {
    return fetch(url).then((r) => {
      if (!r.ok) throw Error(url + ' ' + r.status);
      return r;
    });
  }

  // The help center beside `kb/`, and the contact options: never a dead end, even without the widget.
  function wayOn() {
    status.textContent = '';
    var c = config.contact || {};
    el('a', { href: new URL('..', config.kb).href }, status, WORDS[lang][6]);
    if (c.email) el('a', { href: 'mailto:' + c.email }, status, ' · ' + c.email);
    if (c.url) el('a', { href: c.url }, status, ' · ' + c.url);
  }

  // The visitor's language as the widget chooses it: configured, the page's, the browser's; else Vietnamese.
  function pickLang() {
    var tags = [config.lang, d.documentElement.lang].concat(navigator.languages || [navigator.language]);
    return tags.map((tag) => (tag || '').slice(0, 2).toLowerCase()).find((tag) => tag === 'vi' || tag === 'en') || 'vi';
  }

  // The wasm module and the index's entry for the visitor's language (its hotcache: what opening the
  // index reads) download in parallel; the rest of the index comes piece by piece, as questions need it.
  function load() {
    if (loading) return loading;
    var kb = (config.kb = new URL(config.kb || '/kb/', location.href).href.replace(/\/?$/, '/'));
    var index = fetchOk(kb + 'manifest.json').then((r) => r.json()).then((m) => {
      var e = m.entries || {}, entry = e[lang] || e[Object.keys(e)[0]];
      if (!entry) return [m, null];
      return fetchOk(kb + entry.file).then((r) => r.arrayBuffer()).then((b) => [m, b]);
    });
    launcher.setAttribute('aria-busy', true);
    loading = import(base + '__WIDGET_JS__').then((m) =>
      m.default({ module_or_path: base + '__WIDGET_WASM__' }).then(() => {
        widget = m.start(host.shadowRoot, launcher, config, emit, index);
        pending.splice(0).forEach((c) => widget.call(c[0], c[1]));
      })
    ).catch((e) => {
      // The next click tries again; until then the shell offers the way on.
      loading = null;
      console.error(e);
      if (shell) wayOn();
    }).finally(() => launcher.removeAttribute('aria-busy'));
    return loading;
  }

  function mount() {
    if (host) return;
    host = d.createElement('answerdesk-widget');
    var root = host.attachShadow({ mode: 'open' });
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(
      // The accent is set on the host (`color` overrides it there), so the launcher and the panel share it.
      ':host{all:initial!important;--accent:#0b6e4f}' +
      '.launcher{position:fixed;z-index:2147483647;right:20px;bottom:20px;width:56px;height:56px;' +
      'border:0;border-radius:50%;background:var(--accent);color:#fff;cursor:pointer;' +
      'box-shadow:0 4px 14px #0004;display:grid;place-items:center}' +
      '.launcher:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 6px var(--accent)}' +
      '.launcher[aria-busy]{opacity:.8}svg{width:28px;height:28px;fill:currentColor}' +
      // The panel's frame: the shell's and the widget's (whose own sheet styles what is inside).
      '.answerdesk{--bg:#fff;--fg:#1b1f23;--muted:#5c6670;--line:#dde2e6;' +
      '--soft:#f3f5f7;font:16px/1.5 system-ui,sans-serif;color:var(--fg)}' +
      '@media (prefers-color-scheme:dark){.panel:not(.light){' + DARK + '}}.panel.dark{' + DARK + '}' +
      '.panel{position:fixed;z-index:2147483646;right:20px;bottom:92px;width:380px;max-height:min(640px,calc(100vh - 120px));' +
      'display:flex;flex-direction:column;box-sizing:border-box;background:var(--bg);color:var(--fg);border:1px solid var(--line);' +
      'border-radius:14px;box-shadow:0 12px 40px #0003;overflow:hidden}.panel[hidden]{display:none}' +
      // On phones the open panel fills the screen and has its own close button.
      '@media (max-width:480px){.panel{inset:0;width:auto;max-height:none;border-radius:0;border:0}.launcher[aria-expanded=true]{display:none}}' +
      '.bar{display:flex;align-items:center;gap:8px;padding:10px 12px;background:var(--accent);color:#fff}' +
      '.bar h2{flex:1;margin:0;font-size:17px;font-weight:600}.spacer{width:4px}' +
      '.icon{font:22px/1 system-ui,sans-serif;width:36px;height:36px;border:0;border-radius:8px;background:none;color:inherit;cursor:pointer}' +
      '.body{flex:1;overflow-y:auto;padding:12px 14px 14px}' +
      ':focus-visible{outline:3px solid var(--accent);outline-offset:2px}' +
      '.query{font:inherit;box-sizing:border-box;width:100%;font-size:16px;padding:10px 12px;border:1px solid var(--line);' +
      'border-radius:10px;background:var(--soft);color:var(--fg)}.status{margin:8px 2px;color:var(--muted);font-size:14px}.status a{color:inherit}'
    );
    root.adoptedStyleSheets = [sheet];
    if (config.color) host.style.setProperty('--accent', config.color);
    lang = pickLang();
    launcher = el('button', { class: 'launcher', 'aria-label': WORDS[lang][0], 'aria-haspopup': 'dialog', 'aria-expanded': false });
    // Built node by node: innerHTML would be refused on pages that enforce Trusted Types.
    var ns = 'http://www.w3.org/2000/svg', svg = d.createElementNS(ns, 'svg'), path = d.createElementNS(ns, 'path');
    // The launcher's aria-label names it; the icon is not read.
    svg.setAttribute('viewBox', '0 0 24 24');
    path.setAttribute('d', 'M12 2a10 10 0 0 0-8.7 15L2 22l5-1.3A10 10 0 1 0 12 2zm-1 15h2v-2h-2zm1-11a4 4 0 0 0-4 4h2a2 2 0 1 1 2 2h-1v3h2v-1.1A4 4 0 0 0 12 6z');
    launcher.appendChild(svg).appendChild(path);
    intent(launcher);
    launcher.onclick = () => call('toggle', []);
    root.appendChild(launcher);
    d.body.appendChild(host);
    // A help center's own search box (`data-answerdesk-search` on its form) answers as the visitor types,
    // in a list under the box; without the widget the form still lists all articles.
    // A help center's own search box (`data-answerdesk-search` on its form): typing there is intent too,
    // and the widget answers it in a list under the box (without the widget the form lists all articles).
    var input = d.querySelector('[data-answerdesk-search] input');
    if (input) intent(input);
    if (config.preload === 'idle') {
      var idle = w.requestIdleCallback || ((f) => setTimeout(f, 2000));
      idle(load);
    }
  }

  // Intent (a pointer over it, focus, a touch) fetches the widget.
  function intent(e) {
    ['pointerenter', 'focus', 'touchstart'].forEach((type) => e.addEventListener(type, load, { once: true }));
  }

  // An element with attributes (`class` among them), in `parent`, holding `text`.
  function el(tag, attrs, parent, text) {
    var e = d.createElement(tag);
    for (var name in attrs) e.setAttribute(name, attrs[name]);
    if (text) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // The shell, built on first use (node by node, for Trusted Types) and shown or hidden.
  function toggleShell(open) {
    var words = WORDS[lang];
    if (!shell) {
      shell = el('div', { class: 'answerdesk shell' }, host.shadowRoot);
      var panel = el('div', { class: 'panel ' + (config.theme || ''), role: 'dialog', 'aria-modal': true, 'aria-label': words[1] }, shell);
      var bar = el('header', { class: 'bar' }, panel);
      el('span', { class: 'spacer' }, bar);
      el('h2', {}, bar, words[1]);
      var close = el('button', { class: 'icon close', 'aria-label': words[2] }, bar, '\u00d7');
      close.onclick = () => toggleShell(false);
      var body = el('div', { class: 'body' }, panel);
      typed = el('input', { class: 'query', type: 'search', autocomplete: 'off', 'aria-label': words[3], placeholder: words[4] },
        el('div', { class: 'search' }, body));
      status = el('p', { class: 'status', 'aria-live': 'polite' }, body, words[5]);
      panel.onkeydown = (e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          toggleShell(false);
          launcher.focus();
        } else if (e.key === 'Tab' && loading) {
          // Two stops, the box and the close button: Tab keeps to them, as in the panel. Once the widget
          // could not load (no `loading`), Tab goes its own way, through the links of the way on.
          e.preventDefault();
          (host.shadowRoot.activeElement === typed ? close : typed).focus();
        }
      };
    }
    shell.firstChild.hidden = !open;
    launcher.setAttribute('aria-expanded', open);
    if (open) typed.focus();
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
      listeners[args[0]] = (listeners[args[0]] || []).filter((fn) => fn !== args[1]);
    } else if (widget) {
      widget.call(method, args);
    } else if (/^(open|toggle)$/.test(method) && host) {
      toggleShell(method === 'open' || !shell || shell.firstChild.hidden);
      load();
    } else if (method === 'close') {
      // Closing is no intent: nothing to fetch.
      if (shell) toggleShell(false);
    } else {
      pending.push([method, args]);
      // Calls that show something need the widget now; the rest wait for it.
      if (/^(search|escalate)$/.test(method) && host) load();
    }
  }

  function Answerdesk() { call(arguments[0], [].slice.call(arguments, 1)); }
  Answerdesk.loaded = true;
  w.Answerdesk = Answerdesk;
  // A page that cannot run an inline script (a strict CSP, such as the help center's) sets the options on
  // this script's tag: `data-kb`, `data-lang`, `data-chat`.
  if (script && script.dataset.kb) call('init', [script.dataset]);
  queue.forEach((args) => call(args[0], [].slice.call(args, 1)));
})();
