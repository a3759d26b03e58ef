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

  var CSS = [
    ":host { all: initial; }",
    "* { box-sizing: border-box; }",
    ".root { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;",
    "  color: #1f2937; }",
    ".bubble { position: fixed; right: 20px; bottom: 20px; z-index: 2147483646; width: 56px;",
    "  height: 56px; border-radius: 50%; border: none; background: #0f766e; color: #fff;",
    "  font: 700 15px/1 system-ui, sans-serif; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }",
    ".bubble:focus-visible { outline: 3px solid #99f6e4; outline-offset: 2px; }",
    ".panel { position: fixed; right: 20px; bottom: 88px; z-index: 2147483647;",
    "  width: min(390px, calc(100vw - 40px)); height: min(560px, calc(100vh - 120px));",
    "  display: flex; flex-direction: column; background: #fff; color: #1f2937;",
    "  border: 1px solid #d1d5db; border-radius: 12px; box-shadow: 0 10px 30px rgba(0,0,0,.2);",
    "  overflow: hidden; }",
    ".panel[hidden] { display: none; }",
    ".head { display: flex; align-items: center; gap: 8px; padding: 10px 12px;",
    "  background: #0f766e; color: #fff; }",
    ".head h2 { flex: 1; margin: 0; font-size: 15px; font-weight: 600; color: #fff; }",
    ".head button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.5);",
    "  border-radius: 6px; padding: 2px 8px; cursor: pointer; font: inherit; font-size: 12px; }",
    ".log { flex: 1; overflow-y: auto; padding: 12px; background: #f9fafb; }",
    ".hint { color: #6b7280; font-size: 13px; margin: 0 0 8px; }",
    ".msg { margin: 0 0 12px; padding: 8px 10px; border-radius: 10px; white-space: pre-wrap;",
    "  word-wrap: break-word; }",
    ".user { background: #0f766e; color: #fff; margin-left: 40px; }",
    ".bot { background: #fff; border: 1px solid #e5e7eb; margin-right: 16px; }",
    ".bot.refused { background: #fffbeb; border: 1px solid #f59e0b; }",
    ".label { display: block; font-size: 11px; font-weight: 700; text-transform: uppercase;",
    "  letter-spacing: .04em; color: #b45309; margin-bottom: 4px; }",
    ".notes { margin-top: 8px; padding: 6px 8px; border-left: 4px solid #dc2626;",
    "  background: #fef2f2; color: #7f1d1d; border-radius: 4px; font-size: 13px; }",
    ".notes .label { color: #b91c1c; }",
    ".cite { font: inherit; font-size: 11px; font-weight: 700; color: #0f766e; background: #ccfbf1;",
    "  border: 1px solid #5eead4; border-radius: 4px; padding: 0 4px; margin: 0 1px;",
    "  cursor: pointer; vertical-align: super; line-height: 1; }",
    ".cite[aria-expanded=true] { background: #0f766e; color: #fff; }",
    ".card { margin-top: 8px; padding: 8px; border: 1px solid #99f6e4; background: #f0fdfa;",
    "  border-radius: 6px; font-size: 13px; white-space: normal; color: #134e4a; }",
    ".card blockquote { margin: 4px 0; padding-left: 8px; border-left: 3px solid #14b8a6;",
    "  font-style: italic; white-space: pre-wrap; color: #134e4a; }",
    ".card .src { color: #4b5563; font-size: 12px; }",
    ".error { background: #fef2f2; border: 1px solid #fca5a5; color: #991b1b; }",
    ".pending { color: #6b7280; font-style: italic; }",
    "form { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e5e7eb;",
    "  background: #fff; }",
    "textarea { flex: 1; resize: none; height: 44px; font: inherit; color: #111827;",
    "  background: #fff; border: 1px solid #d1d5db; border-radius: 8px; padding: 6px 8px; }",
    "form button { font: inherit; background: #0f766e; color: #fff; border: none;",
    "  border-radius: 8px; padding: 0 14px; cursor: pointer; }",
    "form button:disabled { background: #9ca3af; cursor: wait; }"
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

  function errorMessage(status, data) {
    if (data && data.error && data.error.message) { return data.error.message; }
    return "The assistant is unavailable (HTTP " + status + "). Please try again.";
  }

  function post(message, sessionId) {
    var headers = { "Content-Type": "application/json" };
    if (API_KEY) { headers.Authorization = "Bearer " + API_KEY; }
    var payload = { message: message };
    if (sessionId) { payload.session_id = sessionId; }
    return fetch(ORIGIN + "/api/chat", {
      method: "POST", headers: headers, body: JSON.stringify(payload), credentials: "omit"
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

    function append(node) {
      log.appendChild(node);
      log.scrollTop = log.scrollHeight;
    }

    function submit() {
      var message = input.value.trim();
      if (!message || send.disabled) { return; }
      input.value = "";
      var mine = el("div", "msg user", message);
      mine.setAttribute("data-testid", "ea-user");
      append(mine);
      var pending = el("div", "msg bot pending", "Searching the evidence\u2026");
      append(pending);
      send.disabled = true;
      ask(message).then(function (result) {
        pending.remove();
        if (result.ok && result.data) {
          setSession(result.data.session_id);
          append(renderAnswer(result.data));
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
  }

  if (document.body) { build(); }
  else { document.addEventListener("DOMContentLoaded", build); }
})();
