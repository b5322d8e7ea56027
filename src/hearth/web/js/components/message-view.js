// One chat message: avatar, name, formatted text, status, and its actions.
import { h } from '../dom.js';
import { formatDate, t } from '../i18n.js';
import { avatar } from './avatar.js';
import { icon } from './icons.js';
import { richText } from './rich-text.js';

/**
 * messageView(message, ctx) → element with .update(message, opts)
 * ctx: {character, user, persona, macros, actions: {copy, edit, remove, regenerate, continue, swipe, retry,
 *   hide, rate, branch, inspect}}
 * opts: {isLast, isFirst, busy}
 */
export function messageView(initial, ctx) {
  let message = initial;
  const isUser = message.role === 'user';
  const name = isUser ? ctx.userName() : ctx.character.name;
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
  const head = h(
    'div',
    { class: 'msg-head' },
    h('span', { class: 'msg-name', text: name }),
    demoBadge,
    hiddenBadge,
    h('time', { class: 'msg-time', datetime: message.created_at, text: formatDate(message.created_at, { timeStyle: 'short' }) }),
  );
  el.append(
    avatar(name, isUser ? ctx.userAvatar() : ctx.character.avatar_url, { size: 36, className: 'msg-avatar' }),
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
    if (s === 'error' || s === 'interrupted') {
      const text = message.error?.message || (s === 'error' ? t('chat.error_generic') : t('chat.interrupted'));
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
      tools.append(tool(t('common.edit'), 'edit', () => startEdit()));
      if (!isUser && opts.isLast) {
        tools.append(tool(t('chat.regenerate'), 'refresh', () => ctx.actions.regenerate(message), 'act-regenerate'));
        tools.append(tool(t('chat.continue'), 'continue', () => ctx.actions.continue(message), 'act-continue'));
      }
      tools.append(tool(message.hidden ? t('chat.unhide') : t('chat.hide'), message.hidden ? 'eye' : 'eye-off', () => ctx.actions.hide(message, !message.hidden), 'act-hide'));
      tools.append(tool(t('chat.branch'), 'branch', () => ctx.actions.branch(message), 'act-branch'));
      if (!isUser && message.model) tools.append(tool(t('chat.inspect'), 'code', () => ctx.actions.inspect(message), 'act-inspect'));
      tools.append(tool(t('common.delete'), 'trash', () => ctx.actions.remove(message)));
      if (!isUser) tools.append(tool(t('report.action'), 'alert', () => ctx.actions.report(message)));
    }
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
