// Administration: appears for admins, and each section only when its API answers.
import { ApiError, errorMessage, get, post } from '../api.js';
import { debounce, h } from '../dom.js';
import { formatDate, formatNumber, t } from '../i18n.js';
import { getState } from '../store.js';
import { toast } from '../components/toast.js';
import { emptyIcon } from '../components/icons.js';

const SECTIONS = ['stats', 'users', 'reports'];

function unavailable() {
  return h('div', { class: 'empty' }, emptyIcon('settings'), h('h3', { text: t('admin.unavailable') }), h('p', { text: t('admin.unavailable_hint') }));
}

function barChart(points, key) {
  const max = Math.max(1, ...points.map((p) => Number(p[key]) || 0));
  return h(
    'div',
    { class: 'bar-chart', role: 'img', 'aria-label': t('admin.chart_label') },
    points.map((p) => h('div', { class: 'bar', title: `${p.day || p.date || ''}: ${formatNumber(p[key])}`, style: { height: `${Math.max(1, (100 * (Number(p[key]) || 0)) / max)}%` } })),
  );
}

async function statsSection(box) {
  const stats = await get('/admin/stats');
  const counts = stats.counts || stats;
  const cards = Object.entries(counts).filter(([, v]) => typeof v === 'number');
  const days = stats.per_day || stats.days || stats.daily || [];
  const series = days.length ? Object.keys(days[0]).find((k) => k !== 'day' && k !== 'date' && typeof days[0][k] === 'number') : null;
  box.replaceChildren(
    h('div', { class: 'stat-cards' }, cards.map(([k, v]) => h('div', { class: 'stat-card' }, h('b', { text: formatNumber(v) }), h('span', { text: k.replace(/_/g, ' ') })))),
    series && h('section', { class: 'card', style: { marginTop: '24px' } }, h('h2', { class: 'card-title', text: `${t('admin.per_day')}: ${series.replace(/_/g, ' ')}` }), barChart(days, series)),
  );
}

async function usersSection(box) {
  const search = h('input', { class: 'input', type: 'search', placeholder: t('admin.search_users'), 'aria-label': t('admin.search_users') });
  const table = h('tbody');
  const load = async () => {
    const page = await get('/admin/users', { q: search.value.trim() || undefined, limit: 50 });
    const items = page.items || page;
    table.replaceChildren(
      ...items.map((u) => {
        const btn = h('button', { class: `btn btn-sm ${u.is_blocked ? '' : 'btn-danger'}`, type: 'button', text: u.is_blocked ? t('admin.unblock') : t('admin.block') });
        btn.addEventListener('click', async () => {
          try {
            await post(`/admin/users/${u.id}/${u.is_blocked ? 'unblock' : 'block'}`);
            load();
          } catch (error) {
            toast(errorMessage(error), { type: 'error' });
          }
        });
        return h('tr', {}, h('td', {}, h('b', { text: u.username }), h('div', { class: 'muted', text: u.email })), h('td', { text: formatDate(u.created_at) }), h('td', { text: u.is_admin ? t('admin.role_admin') : t('admin.role_user') }), h('td', {}, u.id !== getState().user.id && btn));
      }),
    );
  };
  search.addEventListener('input', debounce(() => load().catch(() => {}), 300));
  await load();
  box.replaceChildren(search, h('div', { class: 'table-wrap', style: { marginTop: '16px' } }, h('table', { class: 'table' }, h('thead', {}, h('tr', {}, h('th', { text: t('admin.user') }), h('th', { text: t('admin.registered') }), h('th', { text: t('admin.role') }), h('th', {}))), table)));
}

async function reportsSection(box) {
  const page = await get('/admin/reports', { limit: 50 });
  const items = page.items || page;
  box.replaceChildren(items.length ? h('div', { class: 'stack-sm' }, items.map((r) => h('div', { class: 'card' }, h('b', { text: r.reason || r.kind || r.id }), h('p', { class: 'small muted', text: `${formatDate(r.created_at)} · ${r.status || ''}` })))) : h('div', { class: 'empty' }, h('p', { text: t('admin.no_reports') })));
}

export default function mount(root, { params }) {
  document.title = `${t('nav.admin')} · Hearth`;
  const user = getState().user;
  const section = SECTIONS.includes(params.section) ? params.section : 'stats';
  const box = h('div', {}, h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
  root.append(
    h(
      'div',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { text: t('nav.admin') })),
      h('nav', { class: 'tabs', 'aria-label': t('nav.admin') }, SECTIONS.map((s) => h('a', { href: `#/admin/${s}`, 'aria-current': s === section ? 'page' : null, text: t(`admin.tab_${s}`) }))),
      box,
    ),
  );
  if (!user?.is_admin) {
    box.replaceChildren(h('div', { class: 'empty' }, h('h3', { text: t('errors.forbidden') })));
    return;
  }
  const run = { stats: statsSection, users: usersSection, reports: reportsSection }[section];
  run(box).catch((error) => {
    box.replaceChildren(error instanceof ApiError && (error.status === 404 || error.status === 405) ? unavailable() : h('div', { class: 'alert alert-error', text: errorMessage(error) }));
  });
}
