// Admin overview: totals and per-day charts.
import { get } from '../../api.js';
import { h } from '../../dom.js';
import { formatNumber, t } from '../../i18n.js';
import { barChart, table } from './common.js';

export default async function statsSection(box) {
  const stats = await get('/admin/stats', { days: 30 });
  const totals = [
    ['users', stats.users],
    ['active_users', stats.active_users],
    ['characters', stats.characters],
    ['chats', stats.chats],
    ['messages', stats.messages],
  ];
  // Every day of the period, zero where nothing happened, so the bars read as a timeline.
  const calendar = [];
  for (let d = new Date(stats.since); d <= new Date(); d.setUTCDate(d.getUTCDate() + 1)) {
    calendar.push(d.toISOString().slice(0, 10));
  }
  const days = (list, key) => {
    const byDay = new Map((list || []).map((row) => [String(row.day).slice(0, 10), Number(row[key]) || 0]));
    return calendar.map((day) => ({ day, value: byDay.get(day) || 0 }));
  };
  box.replaceChildren(
    h('div', { class: 'stat-cards' }, totals.map(([key, value]) => h('div', { class: 'stat-card' }, h('b', { text: formatNumber(value ?? 0) }), h('span', { text: t(`admin.stat_${key}`) })))),
    h(
      'div',
      { class: 'chart-grid' },
      h('section', { class: 'card' }, h('h2', { class: 'card-title', text: t('admin.chart_users') }), barChart(days(stats.new_users_per_day, 'count'), { label: t('admin.chart_users') })),
      h('section', { class: 'card' }, h('h2', { class: 'card-title', text: t('admin.chart_tokens') }), barChart(days(stats.usage_per_day, 'tokens'), { label: t('admin.chart_tokens') })),
    ),
    (stats.usage_per_model || []).length > 0 &&
      h(
        'section',
        { class: 'card', style: { marginTop: '24px' } },
        h('h2', { class: 'card-title', text: t('admin.per_model') }),
        table(
          [t('chat.model'), t('admin.tokens'), t('admin.replies')],
          stats.usage_per_model.map((row) => h('tr', {}, h('td', { text: row.model || '—' }), h('td', { text: formatNumber(row.tokens) }), h('td', { text: formatNumber(row.replies ?? 0) }))),
        ),
      ),
  );
}
