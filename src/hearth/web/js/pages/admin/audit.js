// Admin audit log: who did what to which object, when, with the values before and after.
import { get } from '../../api.js';
import { debounce, h } from '../../dom.js';
import { t } from '../../i18n.js';
import { dateTime, formatMoney, pagedRows, table } from './common.js';

function changes(before, after) {
  const keys = [...new Set([...Object.keys(before || {}), ...Object.keys(after || {})])];
  if (!keys.length) return h('span', { class: 'muted', text: '—' });
  // Money is stored in integer micro-units; the rest is shown as it was recorded.
  const money = new Set(['balance', 'amount', 'balance_after']);
  const show = (value, key) => (value === undefined ? '—' : money.has(key) && typeof value === 'number' ? formatMoney(value) : typeof value === 'string' ? value : JSON.stringify(value));
  return h(
    'dl',
    { class: 'audit-diff' },
    keys.map((key) => [h('dt', { text: key }), h('dd', {}, before && key in before && h('del', { text: show(before[key], key) }), before && key in before && after && key in after && ' → ', after && key in after && h('ins', { text: show(after[key], key) }))]),
  );
}

export default async function auditSection(box) {
  const users = new Map();
  const short = (id) => (id.length > 12 ? `…${id.slice(-8)}` : id);
  const userName = (id) => {
    const span = h('span', { text: id ? short(id) : t('admin.system') });
    if (!id) return span;
    if (!users.has(id)) users.set(id, get(`/admin/users/${id}`).then((u) => u.username).catch(() => null));
    users.get(id).then((name) => name && (span.textContent = `@${name}`));
    return span;
  };
  const action = h('input', { class: 'input', type: 'search', placeholder: t('admin.audit_filter'), 'aria-label': t('admin.audit_filter') });
  const tbody = h('tbody');
  const more = h('button', { class: 'btn btn-ghost btn-block', type: 'button', text: t('common.load_more'), hidden: true });
  const row = (entry) =>
    h(
      'tr',
      { class: 'audit-row', 'data-action': entry.action },
      h('td', { class: 'nowrap', text: dateTime(entry.created_at) }),
      h('td', {}, userName(entry.actor_id)),
      h('td', {}, h('code', { text: entry.action }), h('div', { class: 'muted' }, `${entry.target_type} `, entry.target_type === 'user' && entry.target_id ? userName(entry.target_id) : entry.target_id && short(entry.target_id))),
      h('td', {}, changes(entry.before, entry.after)),
    );
  const load = pagedRows(tbody, more, (cursor) => get('/admin/audit', { action: action.value.trim() || undefined, cursor: cursor || undefined, limit: 50 }), row);
  action.addEventListener('input', debounce(() => load(true).catch(() => {}), 300));
  await load(true);
  const list = table([t('admin.when'), t('admin.who'), t('admin.what'), t('admin.changes')], tbody);
  list.querySelector('table').classList.add('audit-table'); // stacked rows on phones
  box.replaceChildren(
    action,
    h('div', { style: { marginTop: '16px' } }, list),
    more,
  );
}
