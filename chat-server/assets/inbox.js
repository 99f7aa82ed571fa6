// Answerdesk agent inbox. Everything from visitors or agents is put on the page with textContent,
// never as HTML, so no message can inject markup.
"use strict";

const $ = (id) => document.getElementById(id);
const PROTOCOL_VERSION = 1;

const state = {
  session: null,          // { agent, csrf }
  socket: null,
  conversations: new Map(), // id -> ConversationSummary
  messages: new Map(),      // id -> Map(seq -> ChatMessage)
  selected: null,
  pending: new Map(),       // client_id -> frame not yet acknowledged; resent after a reconnect
  retry: 500,
  canned: [],
};

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

async function api(path, options = {}) {
  const headers = { "content-type": "application/json" };
  if (state.session) headers["x-csrf-token"] = state.session.csrf;
  const response = await fetch(path, { credentials: "same-origin", ...options, headers });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({ message: response.statusText }));
    throw new Error(problem.message || response.statusText);
  }
  return response.status === 204 ? null : response.json();
}

async function boot() {
  try {
    state.session = await api("/api/agent/session");
    start();
  } catch {
    $("login").hidden = false;
  }
}

$("login").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    state.session = await api("/api/agent/login", {
      method: "POST",
      body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
    });
    $("login").hidden = true;
    start();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout").addEventListener("click", async () => {
  await api("/api/agent/logout", { method: "POST" }).catch(() => {});
  location.reload();
});

async function start() {
  $("app").hidden = false;
  const agent = state.session.agent;
  $("me").textContent = `${agent.display_name} · ${agent.teams.join(", ") || "no team"}`;
  state.canned = await api("/api/agent/canned").catch(() => []);
  for (const [i, reply] of state.canned.entries()) {
    const option = el("option", reply.title);
    option.value = String(i);
    $("canned").append(option);
  }
  connect();
}

function connect() {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/agent`);
  state.socket = socket;
  $("connection").textContent = "connecting…";
  socket.onopen = () => {
    socket.send(JSON.stringify({ type: "hello", version: PROTOCOL_VERSION, csrf: state.session.csrf }));
  };
  socket.onmessage = (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    handle(frame);
  };
  socket.onclose = () => {
    $("connection").textContent = "offline, reconnecting…";
    setTimeout(connect, state.retry);
    state.retry = Math.min(state.retry * 2, 15000);
  };
}

function send(frame) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(frame));
}

function handle(frame) {
  switch (frame.type) {
    case "inbox":
      state.retry = 500;
      $("connection").textContent = "online";
      state.conversations = new Map(frame.conversations.map((c) => [c.id, c]));
      for (const pending of state.pending.values()) send(pending);
      if (state.selected) send({ type: "open", conversation_id: state.selected });
      renderList();
      break;
    case "updated": {
      const before = state.conversations.get(frame.id);
      if (frame.status === "closed" && frame.id !== state.selected) state.conversations.delete(frame.id);
      else state.conversations.set(frame.id, frame);
      if (!before) notify();
      renderList();
      if (frame.id === state.selected) renderDetail();
      break;
    }
    case "history":
      state.messages.set(frame.conversation_id, new Map(frame.messages.map((m) => [m.seq, m])));
      if (frame.conversation_id === state.selected) {
        renderContext(frame.context);
        renderMessages();
        markRead();
      }
      break;
    case "message": {
      const list = state.messages.get(frame.conversation_id);
      if (list) list.set(frame.message.seq, frame.message);
      if (frame.message.author.kind === "visitor") notify();
      if (frame.conversation_id === state.selected) {
        renderMessages();
        if (document.hasFocus()) markRead();
      }
      break;
    }
    case "ack":
      state.pending.delete(frame.client_id);
      break;
    case "typing":
      if (frame.conversation_id === state.selected) $("typing").textContent = frame.typing ? "Visitor is typing…" : "";
      break;
    case "read":
      break;
    case "error":
      if (frame.client_id) state.pending.delete(frame.client_id);
      alert(frame.message);
      break;
  }
}

function unreadTotal() {
  let total = 0;
  for (const c of state.conversations.values()) total += c.unread;
  return total;
}

// A short beep through WebAudio: no sound file to ship. Browsers allow it after the first click.
let audio = null;
function notify() {
  if (document.hasFocus() && !document.hidden) return;
  try {
    audio = audio || new AudioContext();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.value = 0.1;
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.15);
  } catch { /* no audio: the title badge still shows */ }
}

function renderList() {
  const total = unreadTotal();
  document.title = total > 0 ? `(${total}) Inbox · Answerdesk` : "Inbox · Answerdesk";
  const me = state.session.agent;
  const groups = new Map([["Mine", []]]);
  for (const team of me.teams) groups.set(`Unassigned · ${team}`, []);
  groups.set("Other queues", []);
  for (const c of state.conversations.values()) {
    if (c.assignee === me.username) groups.get("Mine").push(c);
    else if (!c.assignee && me.teams.includes(c.team)) groups.get(`Unassigned · ${c.team}`).push(c);
    else groups.get("Other queues").push(c);
  }
  const nav = $("queues");
  nav.replaceChildren();
  for (const [title, list] of groups) {
    nav.append(el("h3", `${title} (${list.length})`));
    for (const c of list) {
      const item = el("button", null, c.id === state.selected ? "selected" : "");
      item.type = "button";
      if (c.unread > 0) item.append(el("span", c.unread, "badge"));
      const who = c.context.identity ? (c.context.identity.name || c.context.identity.id) : "Visitor";
      item.append(el("strong", `${who}${c.assignee && c.assignee !== me.username ? ` → ${c.assignee}` : ""}`));
      item.append(el("span", c.preview || c.context.searches.at(-1) || "(no message yet)", "preview"));
      item.addEventListener("click", () => select(c.id));
      nav.append(item);
    }
  }
}

function select(id) {
  state.selected = id;
  $("empty").hidden = true;
  $("detail").hidden = false;
  $("typing").textContent = "";
  send({ type: "open", conversation_id: id });
  renderList();
  renderDetail();
}

function renderDetail() {
  const c = state.conversations.get(state.selected);
  if (!c) return;
  const mine = c.assignee === state.session.agent.username;
  $("assign-me").hidden = mine;
  $("unassign").hidden = !c.assignee;
  const closed = c.status === "closed";
  for (const id of ["close", "reply", "note", "body"]) $(id).disabled = closed;
  renderContext(c.context, c);
}

function renderContext(context, summary = state.conversations.get(state.selected)) {
  const aside = $("context");
  aside.replaceChildren(el("h2", "Context"));
  const list = el("dl");
  const row = (term, value) => { list.append(el("dt", term)); list.append(el("dd", value)); };
  if (context.identity) {
    const verified = summary && summary.identity_verified ? " (verified)" : " (not verified)";
    row("Who", `${context.identity.name || ""} ${context.identity.email || ""} · ${context.identity.id}${verified}`);
  }
  row("Page", context.page_url);
  row("Language", context.lang);
  if (summary) row("Team", summary.team || "none");
  list.append(el("dt", "Searched"));
  const searches = el("dd");
  for (const query of context.searches) searches.append(el("div", `“${query}”`));
  list.append(searches);
  list.append(el("dt", "Read"));
  const read = el("dd");
  for (const a of context.articles) {
    const verdict = a.helpful === true ? " 👍" : a.helpful === false ? " 👎" : "";
    read.append(el("div", `${a.title} (${a.lang})${verdict}`));
  }
  list.append(read);
  aside.append(list);
}

function renderMessages() {
  const list = state.messages.get(state.selected);
  const box = $("messages");
  box.replaceChildren();
  if (!list) return;
  for (const m of [...list.values()].sort((a, b) => a.seq - b.seq)) {
    const kind = m.private ? "note" : m.author.kind;
    const item = el("li", null, kind);
    const who = m.author.kind === "agent" ? m.author.name : m.author.kind === "visitor" ? "Visitor" : "";
    item.append(el("span", `${who}${m.private ? " · private note" : ""} · ${new Date(m.sent_at).toLocaleTimeString()}`, "meta"));
    item.append(document.createTextNode(m.body));
    box.append(item);
  }
  box.scrollTop = box.scrollHeight;
}

function markRead() {
  const list = state.messages.get(state.selected);
  if (!list || list.size === 0) return;
  const last = Math.max(...list.keys());
  const c = state.conversations.get(state.selected);
  if (c && c.unread > 0) send({ type: "read", conversation_id: state.selected, up_to_seq: last });
}

function write(type) {
  const body = $("body").value;
  if (!body.trim() || !state.selected) return;
  const frame = { type, conversation_id: state.selected, client_id: crypto.randomUUID(), body };
  state.pending.set(frame.client_id, frame);
  send(frame);
  $("body").value = "";
  send({ type: "typing", conversation_id: state.selected, typing: false });
}

$("composer").addEventListener("submit", (event) => { event.preventDefault(); write("reply"); });
$("note").addEventListener("click", () => write("note"));
$("body").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); write("reply"); }
});
let typingTimer = null;
$("body").addEventListener("input", () => {
  if (!state.selected) return;
  if (!typingTimer) send({ type: "typing", conversation_id: state.selected, typing: true });
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    typingTimer = null;
    send({ type: "typing", conversation_id: state.selected, typing: false });
  }, 3000);
});
$("canned").addEventListener("change", (event) => {
  const reply = state.canned[Number(event.target.value)];
  if (reply) $("body").value = reply.body;
  event.target.value = "";
  $("body").focus();
});
$("assign-me").addEventListener("click", () =>
  send({ type: "assign", conversation_id: state.selected, assignee: state.session.agent.username }));
$("unassign").addEventListener("click", () => send({ type: "assign", conversation_id: state.selected, assignee: null }));
$("close").addEventListener("click", () => {
  if (confirm("Close this conversation? The visitor will be asked to rate it.")) {
    send({ type: "close", conversation_id: state.selected });
  }
});
window.addEventListener("focus", markRead);

$("show-ratings").addEventListener("click", async () => {
  const body = $("ratings-body");
  body.replaceChildren();
  try {
    const groups = await api("/api/agent/ratings");
    if (groups.length === 0) body.append(el("p", "No ratings yet."));
    for (const group of groups) {
      body.append(el("h3", `${group.agent || "unassigned"}: ${group.average.toFixed(2)} / 5 (${group.ratings.length})`));
      const table = el("table");
      for (const r of group.ratings) {
        const tr = el("tr");
        tr.append(el("td", "★".repeat(r.score)), el("td", r.comment || ""), el("td", new Date(r.rated_at).toLocaleString()));
        table.append(tr);
      }
      body.append(table);
    }
  } catch (error) {
    body.append(el("p", error.message));
  }
  $("ratings").showModal();
});

boot();
