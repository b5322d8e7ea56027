// Admin users: search, block / unblock, and a user's registration date and chats.
import { errorMessage, get, post } from '../../api.js';
import { debounce, h } from '../../dom.js';
import { formatDate, t } from '../../i18n.js';
import { getState } from '../../store.js';
import { openDialog } from '../../components/dialog.js';
import { toast } from '../../components/toast.js';
import { pagedRows, statusBadge, table } from './common.js';

async function showUser(id) {
  const user = await get(`/admin/users/${id}`);
  await openDialog((dialog, close) => {
    dialog.append(
      h('h2', { text: user.display_name || user.username }),
      h('p', { class: 'small muted', text: `@${user.username} · ${user.email} · ${t('admin.registered')}: ${formatDate(user.created_at)}` }),
      h('div', { class: 'row-wrap' }, statusBadge(!user.is_blocked, t('admin.active'), t('admin.blocked')), h('span', { class: 'badge', text: t('admin.characters_created', { count: user.characters_created }) }), h('span', { class: 'badge', text: t('admin.chats_count', { count: user.chats_count }) })),
      user.chats.length
        ? table([t('admin.chat_date'), t('admin.character')], user.chats.map((c) => h('tr', {}, h('td', { text: formatDate(c.created_at) }), h('td', { text: c.character_name }))))
        : h('p', { class: 'muted small', text: t('admin.no_chats') }),
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
      try {
        const updated = await post(`/admin/users/${u.id}/${u.is_blocked ? 'unblock' : 'block'}`);
        tr.replaceWith(row({ ...u, ...updated, is_blocked: updated?.is_blocked ?? !u.is_blocked }));
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
      }
    });
    const tr = h(
      'tr',
      {},
      h('td', {}, h('button', { class: 'link-btn', type: 'button', text: u.username, onclick: () => showUser(u.id).catch((e) => toast(errorMessage(e), { type: 'error' })) }), h('div', { class: 'muted', text: u.email })),
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
