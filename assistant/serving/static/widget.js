/*
 * Evidence assistant help-desk widget.
 *
 *   <script src="http://HOST:7860/widget.js"></script>
 *
 * Adds a chat bubble (bottom-right) that opens a panel talking to HOST's /api/chat. Everything
 * lives in a shadow DOM, so the page's CSS and ours never collide. All text (answers, quotes,
 * titles, the user's own words) is inserted with textContent, never as HTML.
 *
 * Optional attributes on the script tag:
 *   data-title="Ask our pharmacist bot"   panel title
 *   data-api-key="..."                    bearer token, only if the server requires one (it is
 *                                         then visible to every visitor of the page)
 *
 * Without data-api-key, the widget asks HOST for a signed session token (POST /widget/token),
 * which the server gives to pages of the sites in its server.widget_origins list: the API key
 * then never appears on the page.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__evidenceAssistantWidget) { return; }
  window.__evidenceAssistantWidget = true;

  var ORIGIN = new URL(script.src, document.baseURI).origin;
  var TITLE = script.getAttribute("data-title") || "Ask the evidence assistant";
  var API_KEY = script.getAttribute("data-api-key");
  var SESSION_KEY = "evidence-assistant-session:" + ORIGIN;
  var TOKEN = /\*\*([^*\n]+)\*\*|\[(\d+)\]/g;  // **bold** and [n] citation markers
  var NOTES_HEADING = /^\s*\*\*Safety notes\*\*\s*\n?/i;
  var NOTES_SPLIT = /\n\s*\**Safety notes\**:?\s*\n/i;  // where a stored answer's notes start

  /* Colours are custom properties: light by default, dark when the visitor prefers it. */
  var CSS = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; }",
    ".root { --fg: #1f2937; --muted: #4b5563; --bg: #fff; --log: #f9fafb; --line: #d1d5db;",
    "  --brand: #0f766e; --brand-fg: #fff; --cite-bg: #ccfbf1; --cite-fg: #0f5e57;",
    "  --card-bg: #f0fdfa; --card-line: #99f6e4; --card-fg: #134e4a; --notes-bg: #fef2f2;",
    "  --notes-fg: #7f1d1d; --notes-line: #dc2626; --refused-bg: #fffbeb; --label: #92400e;",
    "  --err-bg: #fef2f2; --err-fg: #991b1b;",
    "  font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--fg); }",
    "@media (prefers-color-scheme: dark) { .root { --fg: #e5e7eb; --muted: #9ca3af;",
    "  --bg: #111827; --log: #0b1220; --line: #374151; --brand: #0f766e; --brand-fg: #fff;",
    "  --cite-bg: #134e4a; --cite-fg: #99f6e4; --card-bg: #0f2a2a; --card-line: #115e59;",
    "  --card-fg: #ccfbf1; --notes-bg: #2a1215; --notes-fg: #fecaca; --notes-line: #f87171;",
    "  --refused-bg: #2a210b; --label: #fcd34d; --err-bg: #2a1215; --err-fg: #fecaca; } }",
    ".bubble { position: fixed; right: 20px; bottom: 20px; z-index: 2147483646; width: 56px;",
    "  height: 56px; border-radius: 50%; border: none; background: var(--brand);",
    "  color: var(--brand-fg); font: 700 15px/1 system-ui, sans-serif; cursor: pointer;",
    "  box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".bubble:focus-visible { outline: 3px solid #99f6e4; outline-offset: 2px; }",
    ".panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483647;",
    "  width: min(390px, calc(100vw - 40px)); height: min(560px, calc(100vh - 120px));",
    "  display: flex; flex-direction: column; background: var(--bg); color: var(--fg);",
    "  border: 1px solid var(--line); border-radius: 12px; box-shadow: 0 10px 30px rgba(0,0,0,.2);",
    "  overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    ".head { display: flex; align-items: center; gap: 8px; padding: 10px 12px;",
    "  background: var(--brand); color: var(--brand-fg); }",
    ".head h2 { flex: 1; margin: 0; font-size: 15px; font-weight: 600; color: var(--brand-fg); }",
    ".head button { background: transparent; color: var(--brand-fg);",
    "  border: 1px solid rgba(255,255,255,.5); border-radius: 6px; padding: 2px 8px;",
    "  cursor: pointer; font: inherit; font-size: 12px; }",
    ".log { position: relative; flex: 1; overflow-y: auto; padding: 12px; background: var(--log); }",
    ".hint { color: var(--muted); font-size: 13px; margin: 0 0 8px; }",
    ".msg { margin: 0 0 12px; padding: 8px 10px; border-radius: 10px; white-space: pre-wrap;",
    "  word-wrap: break-word; color: var(--fg); }",
    ".user { background: var(--brand); color: var(--brand-fg); margin-left: 40px; }",
    ".bot { background: var(--bg); border: 1px solid var(--line); margin-right: 16px; }",
    ".bot.refused { background: var(--refused-bg); border: 1px solid #f59e0b; }",
    ".label { display: block; font-size: 11px; font-weight: 700; text-transform: uppercase;",
    "  letter-spacing: .04em; color: var(--label); margin-bottom: 4px; }",
    ".notes { margin-top: 8px; padding: 6px 8px; border-left: 4px solid var(--notes-line);",
    "  background: var(--notes-bg); color: var(--notes-fg); border-radius: 4px; font-size: 13px; }",
    ".notes .label { color: var(--notes-fg); }",
    ".cite { font: inherit; font-size: 11px; font-weight: 700; color: var(--cite-fg);",
    "  background: var(--cite-bg); border: 1px solid var(--card-line); border-radius: 4px;",
    "  padding: 0 4px; margin: 0 1px; cursor: pointer; vertical-align: super; line-height: 1; }",
    ".cite[aria-expanded=true] { background: var(--brand); color: var(--brand-fg); }",
    ".card { margin-top: 8px; padding: 8px; border: 1px solid var(--card-line);",
    "  background: var(--card-bg); border-radius: 6px; font-size: 13px; white-space: normal;",
    "  color: var(--card-fg); }",
    ".card blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid #14b8a6;",
    "  font-style: italic; white-space: pre-wrap; color: var(--card-fg); }",
    ".card .src { color: var(--muted); font-size: 12px; }",
    ".error { background: var(--err-bg); border: 1px solid #fca5a5; color: var(--err-fg); }",
    ".pending { color: var(--muted); font-style: italic; }",
    "form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid var(--line);",
    "  background: var(--bg); }",
    "textarea { flex: 1; resize: none; height: 44px; font: inherit; color: var(--fg);",
    "  background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 6px 8px; }",
    "form button { font: inherit; background: var(--brand); color: var(--brand-fg); border: none;",
    "  border-radius: 8px; padding: 0 14px; cursor: pointer; }",
    "form button:disabled { background: #9ca3af; cursor: wait; }",
    ".actions { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-top: 8px;",
    "  white-space: normal; }",
    ".actions button { font: inherit; font-size: 12px; color: var(--fg); background: var(--log);",
    "  border: 1px solid var(--line); border-radius: 6px; padding: 1px 8px; cursor: pointer; }",
    ".actions button[aria-pressed=true] { border-color: var(--brand);",
    "  box-shadow: 0 0 0 1px var(--brand); }",
    ".actions .done { font-size: 12px; color: var(--muted); }",
    /* Phones: the panel takes the whole screen and the messages its whole width. */
    "@media (max-width: 480px) { .panel { inset: 0; width: 100vw; height: 100dvh;",
    "  border-radius: 0; border: none; } .user { margin-left: 24px; } .bot { margin-right: 0; } }"
  ].join("\n");

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function getSession() {
    try { return window.sessionStorage.getItem(SESSION_KEY); } catch (e) { return null; }
  }

  function setSession(id) {
    try {
      if (id) { window.sessionStorage.setItem(SESSION_KEY, id); }
      else { window.sessionStorage.removeItem(SESSION_KEY); }
    } catch (e) { /* storage blocked: the conversation just won't survive a reload */ }
  }

  /* Text with [n] markers and **bold** -> text nodes, <strong> and buttons that open the cited
     passage. No HTML is ever parsed: every piece goes in through textContent. */
  function renderCited(container, text, citations, cardHost) {
    var byId = {};
    (citations || []).forEach(function (c) { byId[String(c.id)] = c; });
    var last = 0;
    var match;
    TOKEN.lastIndex = 0;
    while ((match = TOKEN.exec(text)) !== null) {
      container.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (match[1] !== undefined) {
        container.appendChild(el("strong", null, match[1]));
      } else if (byId[match[2]]) {
        container.appendChild(citeButton(match[2], byId[match[2]], cardHost));
      } else {
        container.appendChild(document.createTextNode(match[0]));
      }
      last = match.index + match[0].length;
    }
    container.appendChild(document.createTextNode(text.slice(last)));
  }

  function citeButton(id, citation, cardHost) {
    var button = el("button", "cite", "[" + id + "]");
    button.type = "button";
    button.setAttribute("data-testid", "ea-cite");
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-label", "Show source " + id + ": " + citation.title);
    button.addEventListener("click", function () {
      var open = cardHost.querySelector(".card");
      var wasMine = open && open.getAttribute("data-cite") === id;
      if (open) { open.remove(); }
      cardHost.querySelectorAll(".cite").forEach(function (b) {
        b.setAttribute("aria-expanded", "false");
      });
      if (!wasMine) {
        cardHost.appendChild(citationCard(id, citation));
        button.setAttribute("aria-expanded", "true");
      }
    });
    return button;
  }

  function citationCard(id, citation) {
    var card = el("div", "card");
    card.setAttribute("data-cite", id);
    card.setAttribute("data-testid", "ea-citation");
    var title = el("strong", null, "[" + id + "] " + citation.title);
    var quote = el("blockquote", null, citation.quote);
    var where = citation.source + ", characters " + citation.start + "\u2013" + citation.end;
    if (citation.section) { where = citation.section + " \u00b7 " + where; }
    card.appendChild(title);
    card.appendChild(quote);
    card.appendChild(el("div", "src", where));
    return card;
  }

  function renderAnswer(reply) {
    var box = el("div", "msg bot" + (reply.refused ? " refused" : ""));
    box.setAttribute("data-testid", "ea-answer");
    box.setAttribute("data-refused", reply.refused ? "true" : "false");
    if (reply.refused) { box.appendChild(el("span", "label", "No answer in the evidence")); }
    var body = el("div", "body");
    var hasNotes = Boolean(reply.safety_notes);
    renderCited(body, hasNotes ? reply.body : reply.answer, reply.citations, box);
    box.appendChild(body);
    if (hasNotes) {
      var notes = el("div", "notes");
      notes.setAttribute("data-testid", "ea-notes");
      notes.setAttribute("role", "note");
      notes.appendChild(el("span", "label", "Safety notes"));
      var text = el("div");
      renderCited(text, reply.safety_notes.replace(NOTES_HEADING, ""), reply.citations, box);
      notes.appendChild(text);
      box.appendChild(notes);
    }
    return box;
  }

  /* Copy and thumbs up/down under an answer; a rating goes to POST /api/feedback with the
     conversation and the answer's number in it. */
  function addActions(box, reply, sessionId, turn) {
    box.setAttribute("data-session", sessionId);
    var row = el("div", "actions");
    var status = el("span", "done");
    status.setAttribute("data-testid", "ea-status");
    var copy = el("button", null, "Copy");
    copy.type = "button";
    copy.setAttribute("data-testid", "ea-copy");
    copy.addEventListener("click", function () {
      var done = function () { status.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(reply.answer).then(done, function () {
          status.textContent = "Copy failed";
        });
      }
    });
    row.appendChild(copy);
    [["up", "\u25b2 Helpful"], ["down", "\u25bc Not helpful"]].forEach(function (pair) {
      var button = el("button", null, pair[1]);
      button.type = "button";
      button.setAttribute("data-testid", "ea-" + pair[0]);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        row.querySelectorAll("[aria-pressed]").forEach(function (b) {
          b.setAttribute("aria-pressed", String(b === button));
        });
        rate(sessionId, turn, pair[0]).then(function (ok) {
          status.textContent = ok ? "Thanks for the feedback" : "Feedback not saved";
        });
      });
      row.appendChild(button);
    });
    row.appendChild(status);
    box.appendChild(row);
    return box;
  }

  /* The bearer for API calls: data-api-key, else a signed widget token (renewed before it
     expires), else none (the server needs no key, or does not know this site). */
  var widgetToken = null;
  function bearer() {
    if (API_KEY) { return Promise.resolve(API_KEY); }
    if (widgetToken && widgetToken.until > Date.now()) { return widgetToken.value; }
    var started = Date.now();
    var value = fetch(ORIGIN + "/widget/token", { method: "POST", credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !data.token) { return null; }
        widgetToken.until = started + Math.max(0, data.expires_in - 60) * 1000;
        return data.token;
      }, function () { return null; });
    widgetToken = { value: value, until: Infinity };
    return value;
  }

  function authorized(headers) {
    return bearer().then(function (token) {
      if (token) { headers.Authorization = "Bearer " + token; }
      return headers;
    });
  }

  function rate(sessionId, turn, rating) {
    return authorized({ "Content-Type": "application/json" }).then(function (headers) {
      return fetch(ORIGIN + "/api/feedback", {
        method: "POST", headers: headers, credentials: "omit",
        body: JSON.stringify({ session_id: sessionId, turn: turn, rating: rating })
      });
    }).then(function (response) { return response.ok; }, function () { return false; });
  }

  /* A stored turn (GET /api/sessions/{id}) in the shape renderAnswer takes. */
  function replyFromTurn(turn) {
    var match = NOTES_SPLIT.exec(turn.answer);
    var body = match ? turn.answer.slice(0, match.index) : turn.answer;
    var notes = match ? turn.answer.slice(match.index + match[0].length) : "";
    return { answer: turn.answer, body: body, safety_notes: notes, refused: turn.refused,
             citations: turn.citations };
  }

  function history(sessionId) {
    return authorized({}).then(function (headers) {
      return fetch(ORIGIN + "/api/sessions/" + encodeURIComponent(sessionId), {
        headers: headers, credentials: "omit"
      });
    }).then(function (response) {
      return response.ok ? response.json() : null;
    });
  }

  function errorMessage(status, data) {
    if (data && data.error && data.error.message) { return data.error.message; }
    return "The assistant is unavailable (HTTP " + status + "). Please try again.";
  }

  function post(message, sessionId) {
    var payload = { message: message };
    if (sessionId) { payload.session_id = sessionId; }
    return authorized({ "Content-Type": "application/json" }).then(function (headers) {
      return fetch(ORIGIN + "/api/chat", {
        method: "POST", headers: headers, body: JSON.stringify(payload), credentials: "omit"
      });
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, ok: response.ok, data: data };
      });
    });
  }

  function ask(message) {
    var sessionId = getSession();
    return post(message, sessionId).then(function (result) {
      if (result.status === 404 && sessionId) {  // conversation expired: start a new one
        setSession(null);
        return post(message, null);
      }
      return result;
    });
  }

  function build() {
    var host = document.createElement("evidence-assistant-widget");
    var shadow = host.attachShadow({ mode: "open" });
    var style = el("style", null, CSS);
    var root = el("div", "root");
    var bubble = el("button", "bubble", "Ask");  // plain text: no emoji font needed
    bubble.type = "button";
    bubble.setAttribute("aria-label", "Open the help chat");
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("data-testid", "ea-bubble");

    var panel = el("section", "panel");
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", TITLE);
    panel.setAttribute("data-testid", "ea-panel");
    var head = el("div", "head");
    head.appendChild(el("h2", null, TITLE));
    var reset = el("button", null, "New chat");
    reset.type = "button";
    reset.setAttribute("data-testid", "ea-new");
    var close = el("button", null, "\u00d7");
    close.type = "button";
    close.setAttribute("aria-label", "Close the help chat");
    head.appendChild(reset);
    head.appendChild(close);

    var log = el("div", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("data-testid", "ea-log");
    var hint = el("p", "hint", "Answers come only from our reviewed articles, with sources. " +
      "Click a [number] to see the quoted passage.");
    log.appendChild(hint);

    var form = el("form");
    var input = el("textarea");
    input.setAttribute("aria-label", "Your question");
    input.setAttribute("placeholder", "Ask a question\u2026");
    input.setAttribute("maxlength", "4000");
    input.setAttribute("data-testid", "ea-input");
    var send = el("button", null, "Send");
    send.type = "submit";
    send.setAttribute("data-testid", "ea-send");
    form.appendChild(input);
    form.appendChild(send);

    panel.appendChild(head);
    panel.appendChild(log);
    panel.appendChild(form);
    root.appendChild(bubble);
    root.appendChild(panel);
    shadow.appendChild(style);
    shadow.appendChild(root);

    function toggle(open) {
      panel.hidden = !open;
      bubble.setAttribute("aria-expanded", open ? "true" : "false");
      if (open) { input.focus(); } else { bubble.focus(); }
    }

    /* Questions scroll the log to the bottom; an answer is shown from its first line. */
    function append(node) {
      log.appendChild(node);
      log.scrollTop = log.scrollHeight;
    }

    function appendAnswer(node) {
      log.appendChild(node);
      log.scrollTop = Math.max(0, node.offsetTop - 8);
    }

    function userMessage(text) {
      var mine = el("div", "msg user", text);
      mine.setAttribute("data-testid", "ea-user");
      return mine;
    }

    /* After a reload: show the stored conversation again, or start afresh if there is none
       (so a new question is never taken as a follow-up to turns the visitor can't see). */
    function restore() {
      var sessionId = getSession();
      if (!sessionId) { return; }
      history(sessionId).then(function (data) {
        if (!data || !data.turns || !data.turns.length) { setSession(null); return; }
        if (getSession() !== sessionId || log.querySelector(".msg")) { return; }
        data.turns.forEach(function (turn, i) {
          log.appendChild(userMessage(turn.user));
          log.appendChild(addActions(renderAnswer(replyFromTurn(turn)), replyFromTurn(turn),
                                     sessionId, i + 1));
        });
        var answers = log.querySelectorAll("[data-testid=ea-answer]");
        var lastAnswer = answers[answers.length - 1];
        log.scrollTop = Math.max(0, lastAnswer.offsetTop - 8);
      }).catch(function () { /* offline: the next question starts a new conversation */
        setSession(null);
      });
    }

    function submit() {
      var message = input.value.trim();
      if (!message || send.disabled) { return; }
      input.value = "";
      append(userMessage(message));
      var pending = el("div", "msg bot pending", "Searching the evidence\u2026");
      append(pending);
      send.disabled = true;
      ask(message).then(function (result) {
        pending.remove();
        if (result.ok && result.data) {
          var sid = result.data.session_id;
          setSession(sid);
          var turn = log.querySelectorAll(".bot[data-session='" + sid + "']").length + 1;
          appendAnswer(addActions(renderAnswer(result.data), result.data, sid, turn));
        } else {
          var err = el("div", "msg error", errorMessage(result.status, result.data));
          err.setAttribute("data-testid", "ea-error");
          append(err);
        }
      }).catch(function () {
        pending.remove();
        var err = el("div", "msg error", "Cannot reach the assistant. Check your connection.");
        err.setAttribute("data-testid", "ea-error");
        append(err);
      }).then(function () {
        send.disabled = false;
        input.focus();
      });
    }

    bubble.addEventListener("click", function () { toggle(panel.hidden); });
    close.addEventListener("click", function () { toggle(false); });
    reset.addEventListener("click", function () {
      setSession(null);
      while (log.lastChild && log.lastChild !== hint) { log.removeChild(log.lastChild); }
      input.focus();
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { toggle(false); }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); submit(); }
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); submit(); });
    document.body.appendChild(host);
    restore();
  }

  if (document.body) { build(); }
  else { document.addEventListener("DOMContentLoaded", build); }
})();
