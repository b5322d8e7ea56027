// Admin users: search, block / unblock; a user's detail with plan and quota, deposits, and
// their chats opened read-only.
import { errorMessage, get, post, put } from '../../api.js';
import { debounce, h } from '../../dom.js';
import { formatDate, formatNumber, t } from '../../i18n.js';
import { getState } from '../../store.js';
import { confirmDialog, openDialog } from '../../components/dialog.js';
import { field, formBanner, showFormError, submitButton } from '../../components/form.js';
import { richText } from '../../components/rich-text.js';
import { toast } from '../../components/toast.js';
import { dateTime, formatMoney, pagedRows, parseMoney, statusBadge, table } from './common.js';

const fail = (error) => toast(errorMessage(error), { type: 'error' });

function usageLine(usage) {
  const limit = usage.units_limit === null ? t('admin.unlimited') : formatNumber(usage.units_limit, {});
  return h(
    'div',
    { class: 'row-wrap admin-usage' },
    h('span', { class: 'badge', text: t('admin.plan_badge', { plan: usage.plan }) }),
    h('span', { class: 'badge', text: t('admin.units_today', { used: formatNumber(usage.units_used, {}), limit }) }),
    h('span', { class: 'badge badge-accent balance', text: t('admin.balance', { balance: formatMoney(usage.balance) }) }),
  );
}

/** Plan and the user's own daily limit (empty: the plan's). */
function planForm(user, plans, onUsage) {
  const current = plans.find((p) => p.name === user.usage.plan);
  const plan = field({ name: 'plan_id', label: t('admin.plan'), options: [['', t('admin.plan_default')], ...plans.map((p) => [p.id, p.name])], value: current ? current.id : '' });
  const quota = field({ name: 'daily_units', label: t('admin.daily_units'), type: 'number', minValue: 0, hint: t('admin.daily_units_hint'), inputmode: 'numeric' });
  const banner = formBanner();
  const button = submitButton(t('common.save'), { className: 'btn btn-sm btn-primary' });
  const form = h('form', { class: 'stack-sm', novalidate: true }, h('h3', { text: t('admin.plan_title') }), h('div', { class: 'form-grid' }, plan, quota), banner, h('div', { class: 'form-actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const raw = quota.input.value.trim();
    button.busy(true);
    try {
      const usage = await put(`/admin/users/${user.id}/plan`, { plan_id: plan.input.value || null, daily_units: raw === '' ? null : Number(raw) });
      onUsage(usage);
      toast(t('admin.plan_saved'), { type: 'success' });
    } catch (error) {
      showFormError(error, { plan_id: plan, daily_units: quota }, banner);
    } finally {
      button.busy(false);
    }
  });
  return form;
}

function depositForm(user, onBalance) {
  const amount = field({ name: 'amount', label: t('admin.deposit_amount'), inputmode: 'decimal', hint: t('admin.deposit_hint'), placeholder: '10.00' });
  const note = field({ name: 'note', label: t('admin.deposit_note'), max: 500, counter: false });
  const banner = formBanner();
  const button = submitButton(t('admin.deposit'), { className: 'btn btn-sm btn-primary' });
  const form = h('form', { class: 'stack-sm', novalidate: true }, h('h3', { text: t('admin.deposit_title') }), h('div', { class: 'form-grid' }, amount, note), banner, h('div', { class: 'form-actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const micros = parseMoney(amount.input.value);
    if (!Number.isFinite(micros) || micros === 0) {
      amount.setError(t('admin.amount_invalid'));
      amount.input.focus();
      return;
    }
    button.busy(true);
    try {
      const done = await post(`/admin/users/${user.id}/deposit`, { amount: micros, note: note.input.value.trim() });
      onBalance(done.balance);
      amount.input.value = '';
      note.input.value = '';
      toast(t('admin.deposited', { amount: formatMoney(done.amount), balance: formatMoney(done.balance) }), { type: 'success' });
    } catch (error) {
      showFormError(error, { amount, note }, banner);
    } finally {
      button.busy(false);
    }
  });
  return form;
}

/** Any user's chat, newest messages last, older ones on demand; nothing can be changed. */
export async function showChat(id) {
  const chat = await get(`/admin/chats/${id}`);
  await openDialog((dialog, close) => {
    const list = h('div', { class: 'admin-chat stack-sm' });
    const more = h('button', { class: 'btn btn-ghost btn-sm btn-block', type: 'button', text: t('admin.older_messages'), hidden: !chat.next_cursor });
    let before = chat.next_cursor;
    const bubble = (m) =>
      h(
        'div',
        { class: `admin-msg admin-msg-${m.role}${m.hidden ? ' is-hidden' : ''}` },
        h('div', { class: 'small muted', text: `${m.role === 'user' ? chat.username || t('admin.user') : chat.character_name || t('chat.unknown_character')} · ${dateTime(m.created_at)}` }),
        h('div', { class: 'rich' }, richText(m.content)),
      );
    const prepend = (messages) => list.prepend(...[...messages].reverse().map(bubble));
    prepend(chat.messages);
    more.addEventListener('click', async () => {
      try {
        const page = await get(`/admin/chats/${id}`, { before });
        prepend(page.messages);
        before = page.next_cursor;
        more.hidden = !before;
      } catch (error) {
        fail(error);
      }
    });
    dialog.append(
      h('h2', { text: chat.title || chat.character_name || '' }),
      h('p', { class: 'small muted', text: `@${chat.username || '—'} · ${chat.character_name || '—'} · ${t('admin.read_only')}` }),
      more,
      chat.messages.length ? list : h('p', { class: 'muted small', text: t('admin.no_messages') }),
      h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', text: t('common.close'), onclick: () => close() })),
    );
  }, { wide: true, label: chat.title || '' });
}

async function showUser(id) {
  const [user, plans] = await Promise.all([get(`/admin/users/${id}`), get('/admin/plans').catch(() => [])]);
  await openDialog((dialog, close) => {
    let usage = user.usage;
    const usageBox = h('div', {}, usageLine(usage));
    const setUsage = (next) => {
      usage = next;
      usageBox.replaceChildren(usageLine(usage));
    };
    dialog.append(
      h('h2', { text: user.display_name || user.username }),
      h('p', { class: 'small muted', text: `@${user.username} · ${user.email} · ${t('admin.registered')}: ${formatDate(user.created_at)}` }),
      h('div', { class: 'row-wrap' }, statusBadge(!user.is_blocked, t('admin.active'), t('admin.blocked')), h('span', { class: 'badge', text: t('admin.characters_created', { count: user.characters_created }) }), h('span', { class: 'badge', text: t('admin.chats_count', { count: user.chats_count }) })),
      usageBox,
      user.chats.length
        ? table(
            [t('admin.chat_date'), t('admin.character'), ''],
            user.chats.map((c) =>
              h(
                'tr',
                {},
                h('td', { text: formatDate(c.created_at) }),
                h('td', { text: c.character_name }),
                h('td', {}, h('button', { class: 'btn btn-sm btn-ghost open-chat', type: 'button', text: t('admin.open_chat'), onclick: () => showChat(c.id).catch(fail) })),
              ),
            ),
          )
        : h('p', { class: 'muted small', text: t('admin.no_chats') }),
      h('div', { class: 'admin-forms' }, planForm(user, plans, setUsage), depositForm(user, (balance) => setUsage({ ...usage, balance }))),
      h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', text: t('common.close'), onclick: () => close() })),
    );
  }, { wide: true, label: user.username });
}

export default async function usersSection(box) {
  const search = h('input', { class: 'input', type: 'search', placeholder: t('admin.search_users'), 'aria-label': t('admin.search_users') });
  const tbody = h('tbody');
  const more = h('button', { class: 'btn btn-ghost btn-block', type: 'button', text: t('common.load_more'), hidden: true });
  const me = getState().user;
  const row = (u) => {
    const toggle = h('button', { class: `btn btn-sm ${u.is_blocked ? '' : 'btn-danger'}`, type: 'button', text: u.is_blocked ? t('admin.unblock') : t('admin.block') });
    toggle.addEventListener('click', async () => {
      // Blocking ends all of the user's sessions at once: ask first. Unblocking is harmless.
      if (!u.is_blocked && !(await confirmDialog({ title: t('admin.block_user_title', { name: u.username }), text: t('admin.block_user_text'), confirm: t('admin.block'), danger: true }))) return;
      try {
        const updated = await post(`/admin/users/${u.id}/${u.is_blocked ? 'unblock' : 'block'}`);
        // A search may have redrawn the table while the question was open: update the row shown.
        const shown = tr.isConnected ? tr : tbody.querySelector(`tr[data-id="${u.id}"]`);
        shown?.replaceWith(row({ ...u, ...updated, is_blocked: updated?.is_blocked ?? !u.is_blocked }));
      } catch (error) {
        fail(error);
      }
    });
    const tr = h(
      'tr',
      { 'data-id': u.id },
      h('td', {}, h('button', { class: 'link-btn', type: 'button', text: u.username, onclick: () => showUser(u.id).catch(fail) }), h('div', { class: 'muted', text: u.email })),
      h('td', { text: formatDate(u.created_at) }),
      h('td', {}, u.is_admin ? h('span', { class: 'badge badge-accent', text: t('admin.role_admin') }) : t('admin.role_user')),
      h('td', {}, statusBadge(!u.is_blocked, t('admin.active'), t('admin.blocked'))),
      h('td', {}, u.id !== me?.id && toggle),
    );
    return tr;
  };
  const load = pagedRows(tbody, more, (cursor) => get('/admin/users', { q: search.value.trim() || undefined, cursor: cursor || undefined, limit: 50 }), row);
  search.addEventListener('input', debounce(() => load(true).catch(() => {}), 300));
  await load(true);
  box.replaceChildren(search, h('div', { style: { marginTop: '16px' } }, table([t('admin.user'), t('admin.registered'), t('admin.role'), t('admin.status'), ''], tbody)), more);
}
