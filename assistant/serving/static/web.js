// The transcript's behaviour (Gradio runs this as the gr.HTML's js_on_load: `element` is the
// component's root, `trigger` sends an event to Python). Listeners are delegated on the root,
// which survives re-renders of the transcript HTML.

// Citation markers: open the cited document and passage, flash it, bring it into view.
element.addEventListener('click', function (event) {
  const link = event.target.closest('a.cite');
  if (!link) return;
  event.preventDefault();
  const target = element.querySelector('#' + CSS.escape(link.dataset.cite));
  if (!target) return;
  const doc = target.closest('details.doc');
  if (doc) doc.open = true;
  target.open = true;
  target.classList.add('flash');
  target.scrollIntoView({block: 'nearest', behavior: 'smooth'});
  setTimeout(function () { target.classList.remove('flash'); }, 1600);
});

// Per-message actions: copy (done here, then recorded), regenerate, thumbs up/down, comment.
function replyText(bubble) {
  const parts = bubble.querySelectorAll('.answer-body, .refusal, .safety');
  return Array.from(parts).map(function (p) { return p.innerText.trim(); }).join('\n\n');
}

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  try { document.execCommand('copy'); } finally { area.remove(); }
  return Promise.resolve();
}

element.addEventListener('click', function (event) {
  const button = event.target.closest('.actions button');
  if (!button) return;
  const actions = button.closest('.actions');
  const message = actions.dataset.message;
  const action = button.dataset.action;
  if (action === 'copy') {
    copyText(replyText(button.closest('.bubble'))).then(function () {
      button.textContent = 'Copied';
      trigger('click', {action: 'copy', message: message});
    });
    return;
  }
  if (action === 'up' || action === 'down') {
    actions.querySelectorAll('button[data-action=up], button[data-action=down]')
      .forEach(function (b) { b.setAttribute('aria-pressed', String(b === button)); });
    actions.querySelector('.comment-box').classList.add('open');
    actions.dataset.rating = action;
    trigger('click', {action: action, message: message, comment: ''});
    return;
  }
  if (action === 'comment') {
    const input = actions.querySelector('.comment-box input');
    trigger('click', {action: actions.dataset.rating || 'up', message: message,
                      comment: input.value});
    return;
  }
  if (action === 'regenerate') {
    trigger('click', {action: 'regenerate', message: message});
  }
});

// Scrolling: when a new question appears, bring it to the top of the window so the answer
// starts under it; when the final answer arrives, make sure its first line is on screen.
let questions = 0;
let finals = 0;
function composerTop() {
  const composer = document.getElementById('composer');
  return composer ? composer.getBoundingClientRect().top : window.innerHeight;
}
new MutationObserver(function () {
  const users = element.querySelectorAll('.msg.user');
  const done = element.querySelectorAll('.reply.answered, .reply.refused');
  if (users.length > questions) {
    users[users.length - 1].scrollIntoView({block: 'start'});
  }
  if (done.length > finals) {
    const bot = done[done.length - 1].closest('.msg');
    const top = bot.getBoundingClientRect().top;
    if (top < 0 || top + 40 > composerTop()) {
      const user = bot.previousElementSibling;
      (user && user.classList.contains('user') ? user : bot).scrollIntoView({block: 'start'});
    }
  }
  questions = users.length;
  finals = done.length;
}).observe(element, {childList: true, subtree: true});
