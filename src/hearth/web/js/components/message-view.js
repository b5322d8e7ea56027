// One chat message: avatar, name, formatted text, status, and its actions.
import { h } from '../dom.js';
import { formatDate, has, t } from '../i18n.js';
import { avatar } from './avatar.js';
import { icon } from './icons.js';
import { menuButton } from './menu.js';
import { richText } from './rich-text.js';

/** What went wrong with a reply, in the UI's language: the stored text is English. */
export function replyErrorText(message) {
  const code = message.error?.code;
  if (code && has(`reply_error.${code}`)) return t(`reply_error.${code}`);
  return message.error?.message || (message.status === 'error' ? t('chat.error_generic') : t('chat.interrupted'));
}

/**
 * messageView(message, ctx) → element with .update(message, opts)
 * ctx: {character, userName(), userAvatar(), macros, actions: {copy, edit, remove, removeFrom, regenerate,
 *   continue, reply, swipe, retry, hide, rate, branch, inspect}}
 * opts: {isLast, isFirst, isNewest, hasFollowing, busy}
 */
export function messageView(initial, ctx) {
  let message = initial;
  const isUser = message.role === 'user';
  // Messages do not record the persona they were written as: the server reads every user
  // message under the chat's current persona, so the view names them all the same way.
  let name = isUser ? ctx.userName() : ctx.character.name;
  const el = h('article', {
    class: `msg ${isUser ? 'msg-user' : 'msg-ai'}`,
    dataset: { id: message.id, role: message.role },
    tabindex: '-1',
    'aria-label': name,
  });
  const body = h('div', { class: 'msg-body rp' });
  const status = h('div', { class: 'msg-status' });
  const swipes = h('div', { class: 'msg-swipes' });
  const tools = h('div', { class: 'msg-tools', role: 'toolbar', 'aria-label': t('chat.message_actions') });
  const stars = h('div', { class: 'msg-rating', role: 'group', 'aria-label': t('chat.rate') });
  const foot = h('div', { class: 'msg-foot' }, swipes, stars);
  const demoBadge = h('span', { class: 'badge badge-warning msg-demo', title: t('chat.demo_hint'), text: t('chat.demo_badge'), hidden: true });
  const hiddenBadge = h('span', { class: 'badge msg-hidden-badge', title: t('chat.hidden_hint'), hidden: true }, icon('eye-off'), t('chat.hidden_badge'));
  const nameEl = h('span', { class: 'msg-name', text: name });
  const head = h(
    'div',
    { class: 'msg-head' },
    nameEl,
    demoBadge,
    hiddenBadge,
    h('time', { class: 'msg-time', datetime: message.created_at, text: formatDate(message.created_at, { timeStyle: 'short' }) }),
  );
  let face = avatar(name, isUser ? ctx.userAvatar() : ctx.character.avatar_url, { size: 36, className: 'msg-avatar' });
  el.append(
    face,
    h('div', { class: 'msg-main' }, head, body, status, foot),
    tools,
  );

  // Long-press on touch screens reveals the tools (hover does on desktop).
  let pressTimer = null;
  el.addEventListener('touchstart', () => {
    pressTimer = setTimeout(() => el.classList.add('show-tools'), 450);
  }, { passive: true });
  for (const type of ['touchend', 'touchmove', 'touchcancel']) el.addEventListener(type, () => clearTimeout(pressTimer), { passive: true });
  el.addEventListener('focusin', () => el.classList.add('show-tools'));
  el.addEventListener('focusout', (e) => {
    if (!el.contains(e.relatedTarget)) el.classList.remove('show-tools');
  });

  const tool = (label, ic, run, extra = '') =>
    h('button', { class: `icon-btn sm ${extra}`, type: 'button', title: label, 'aria-label': label, onclick: run }, icon(ic));

  let editing = false;
  let opts = { isLast: false, busy: false };
  let renderedContent = null;

  function renderBody() {
    if (editing) return;
    const content = message.content || '';
    if (message.status === 'streaming' && !content) {
      body.replaceChildren(h('span', { class: 'typing', role: 'status', 'aria-label': t('chat.typing') }, h('i'), h('i'), h('i')));
      renderedContent = null;
      return;
    }
    const key = `${message.status}\u0000${content}`;
    if (key === renderedContent) return;
    renderedContent = key;
    body.replaceChildren(richText(content, ctx.macros()));
    if (message.status === 'streaming') {
      const lastBlock = body.lastElementChild;
      (lastBlock || body).append(h('span', { class: 'caret', 'aria-hidden': 'true' }));
    }
  }

  function renderStatus() {
    status.replaceChildren();
    const s = message.status;
    if (s === 'streaming' && message.reconnecting) {
      status.append(h('span', { class: 'msg-note msg-reconnecting', role: 'status', text: t('chat.reconnecting') }));
    } else if (s === 'error' || s === 'interrupted') {
      const text = replyErrorText(message);
      status.append(
        h(
          'div',
          { class: 'alert alert-error msg-error', role: 'alert' },
          icon('alert'),
          h('span', { class: 'grow', text }),
          opts.isLast && h('button', { class: 'btn btn-sm', type: 'button', text: t('common.retry'), onclick: () => ctx.actions.retry(message) }),
          opts.isLast && s === 'interrupted' && h('button', { class: 'btn btn-sm btn-ghost', type: 'button', text: t('chat.continue'), onclick: () => ctx.actions.continue(message) }),
        ),
      );
    } else if (s === 'stopped') {
      status.append(h('span', { class: 'msg-note', text: t('chat.stopped') }));
    }
    // The newest message is the user's and nothing answers it (its reply was deleted, say).
    if (isUser && opts.isNewest && !opts.busy && !String(message.id).startsWith('tmp-')) {
      status.append(h('button', { class: 'btn btn-sm act-reply', type: 'button', onclick: () => ctx.actions.reply(message) }, icon('sparkle'), t('chat.get_reply', { name: ctx.character.name })));
    }
  }

  function renderFoot() {
    const streaming = message.status === 'streaming';
    const canAct = !opts.busy && !streaming && !String(message.id).startsWith('tmp-');
    swipes.replaceChildren();
    const swipeCount = (message.swipes || []).length;
    // Swipes on the last reply, and on the first message when the greeting has alternates.
    const greetingSwipes = !opts.isLast && opts.isFirst && swipeCount > 1;
    if (!isUser && (opts.isLast || greetingSwipes)) {
      const index = message.swipe_index || 0;
      swipes.append(
        h('button', { class: 'icon-btn sm swipe-prev', type: 'button', 'aria-label': t('chat.swipe_prev'), title: t('chat.swipe_prev'), disabled: !canAct || index <= 0, onclick: () => ctx.actions.swipe(message, index - 1) }, icon('left')),
        h('span', { class: 'swipe-count', 'aria-live': 'polite', text: t('chat.swipe', { n: index + 1, total: Math.max(1, swipeCount) }) }),
        h('button', {
          class: 'icon-btn sm swipe-next',
          type: 'button',
          'aria-label': index >= swipeCount - 1 ? t('chat.regenerate') : t('chat.swipe_next'),
          title: index >= swipeCount - 1 ? t('chat.regenerate') : t('chat.swipe_next'),
          disabled: !canAct || (greetingSwipes && index >= swipeCount - 1),
          onclick: () => (index >= swipeCount - 1 ? ctx.actions.regenerate(message) : ctx.actions.swipe(message, index + 1)),
        }, icon('right')),
      );
    }
    renderStars(canAct);
    foot.hidden = !swipes.firstChild && !stars.firstChild;
    tools.replaceChildren();
    if (streaming) return;
    tools.append(tool(t('chat.copy'), 'copy', () => ctx.actions.copy(message)));
    if (canAct) {
      tools.append(tool(t('common.edit'), 'edit', () => startEdit(), 'act-edit'));
      if (!isUser && opts.isLast) {
        tools.append(tool(t('chat.regenerate'), 'refresh', () => ctx.actions.regenerate(message), 'act-regenerate'));
        tools.append(tool(t('chat.continue'), 'continue', () => ctx.actions.continue(message), 'act-continue'));
      }
      tools.append(tool(message.hidden ? t('chat.unhide') : t('chat.hide'), message.hidden ? 'eye' : 'eye-off', () => ctx.actions.hide(message, !message.hidden), 'act-hide'));
      tools.append(tool(t('chat.branch'), 'branch', () => ctx.actions.branch(message), 'act-branch'));
      if (!isUser && message.model) tools.append(tool(t('chat.inspect'), 'code', () => ctx.actions.inspect(message), 'act-inspect'));
      tools.append(opts.hasFollowing ? deleteMenu() : tool(t('common.delete'), 'trash', () => ctx.actions.remove(message), 'act-delete'));
      if (!isUser) tools.append(tool(t('report.action'), 'alert', () => ctx.actions.report(message)));
    }
  }

  // In the middle of a chat "delete" has two meanings; the menu names both.
  function deleteMenu() {
    const wrap = menuButton(t('common.delete'), 'trash', [
      { label: t('chat.delete_one'), icon: 'trash', run: () => ctx.actions.remove(message) },
      { label: t('chat.delete_from_here'), icon: 'trash', danger: true, run: () => ctx.actions.removeFrom(message) },
    ], { className: 'icon-btn sm act-delete' });
    wrap.classList.add('msg-delete-menu');
    return wrap;
  }

  // 1–4 stars on a finished reply; the chosen star again clears the rating.
  function renderStars(canAct) {
    stars.replaceChildren();
    if (isUser || !message.model || !canAct || message.status !== 'complete') return;
    for (let n = 1; n <= 4; n += 1) {
      const on = (message.rating || 0) >= n;
      stars.append(
        h('button', {
          class: `star${on ? ' on' : ''}`,
          type: 'button',
          'aria-label': t('chat.stars', { n }),
          title: t('chat.stars', { n }),
          'aria-pressed': message.rating === n ? 'true' : 'false',
          onclick: () => ctx.actions.rate(message, message.rating === n ? null : n),
        }, icon(on ? 'star-filled' : 'star')),
      );
    }
  }

  function startEdit() {
    editing = true;
    el.classList.add('editing');
    const area = h('textarea', { class: 'textarea msg-edit', 'aria-label': t('chat.edit_label'), rows: 3 });
    area.value = message.content;
    const finish = () => {
      editing = false;
      el.classList.remove('editing');
      renderedContent = null;
      renderBody();
      renderFoot();
      // The textarea that had focus is gone: give it to the edit button (the message otherwise).
      el.classList.add('show-tools');
      (tools.querySelector('.act-edit') || el).focus();
    };
    const save = async () => {
      const content = area.value;
      if (!content.trim() || content === message.content) return finish();
      saveBtn.disabled = true;
      const updated = await ctx.actions.edit(message, content);
      if (updated) {
        message = updated;
        finish();
      } else saveBtn.disabled = false;
    };
    const saveBtn = h('button', { class: 'btn btn-primary btn-sm', type: 'button', text: t('common.save'), onclick: save });
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') finish();
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) save();
    });
    body.replaceChildren(area, h('div', { class: 'row msg-edit-actions' }, h('span', { class: 'small muted grow', text: t('chat.edit_hint') }), h('button', { class: 'btn btn-ghost btn-sm', type: 'button', text: t('common.cancel'), onclick: finish }), saveBtn));
    tools.replaceChildren();
    const grow = () => {
      area.style.height = 'auto';
      area.style.height = `${Math.min(area.scrollHeight + 2, 480)}px`;
    };
    area.addEventListener('input', grow);
    requestAnimationFrame(() => {
      grow();
      area.focus();
    });
  }

  el.update = (next, nextOpts = opts) => {
    if (next) message = next;
    opts = nextOpts;
    el.dataset.id = message.id;
    el.dataset.status = message.status;
    if (isUser && ctx.userName() !== name) {
      name = ctx.userName();
      nameEl.textContent = name;
      el.setAttribute('aria-label', name);
      const next = avatar(name, ctx.userAvatar(), { size: 36, className: 'msg-avatar' });
      face.replaceWith(next);
      face = next;
    }
    demoBadge.hidden = !String(message.model || '').startsWith('demo/');
    hiddenBadge.hidden = !message.hidden;
    el.classList.toggle('is-hidden', Boolean(message.hidden));
    el.dataset.rating = message.rating || '';
    renderBody();
    renderStatus();
    renderFoot();
  };
  el.message = () => message;
  el.update(message, opts);
  return el;
}
