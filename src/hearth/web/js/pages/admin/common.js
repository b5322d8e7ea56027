// Small building blocks of the admin sections: tables, bar charts, paged lists.
import { h } from '../../dom.js';
import { formatDate, formatNumber, language, t } from '../../i18n.js';

/** rows: an array of <tr>, or a <tbody> that the caller keeps filling. */
export function table(headers, rows) {
  const body = rows instanceof HTMLTableSectionElement ? rows : h('tbody', {}, rows);
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, headers.map((label) => h('th', { text: label })))), body),
  );
}

/** Bars for [{day, value}], with the day and the value in each bar's title. */
export function barChart(points, { label, format = formatNumber } = {}) {
  const max = Math.max(1, ...points.map((p) => p.value));
  if (!points.length) return h('p', { class: 'muted small', text: t('admin.no_data') });
  return h(
    'figure',
    { class: 'chart' },
    h(
      'div',
      { class: 'bar-chart', role: 'img', 'aria-label': label },
      points.map((p) => h('div', { class: 'bar', title: `${p.day}: ${format(p.value)}`, style: { height: `${Math.max(1, (100 * p.value) / max)}%` } })),
    ),
    h('figcaption', { class: 'chart-axis' }, h('span', { text: points[0].day }), h('span', { text: points[points.length - 1].day })),
  );
}

export function statusBadge(ok, yes, no) {
  return h('span', { class: `badge ${ok ? 'badge-success' : 'badge-danger'}`, text: ok ? yes : no });
}

/** A paged list: load(cursor) → {items, next_cursor}; render(item) → <tr>. */
export function pagedRows(tbody, more, load, render) {
  let cursor = null;
  const next = async (reset = false) => {
    if (reset) cursor = null;
    const page = await load(cursor);
    const rows = page.items.map(render);
    if (reset) tbody.replaceChildren(...rows);
    else tbody.append(...rows);
    cursor = page.next_cursor;
    more.hidden = !cursor;
    return page;
  };
  more.addEventListener('click', () => next(false));
  return next;
}

/** Money from integer micro-units (1 000 000 = 1 USD), in the user's language. */
export function formatMoney(micros) {
  return new Intl.NumberFormat(language(), { style: 'currency', currency: 'USD', maximumFractionDigits: 2 }).format((micros || 0) / 1_000_000);
}

/** "12.50" (a dot or a comma) → 12 500 000 micro-units; NaN when it is not a number. */
export function parseMoney(text) {
  const value = Number(String(text).trim().replace(',', '.'));
  return String(text).trim() && Number.isFinite(value) ? Math.round(value * 1_000_000) : NaN;
}

export const dateTime = (value) => formatDate(value, { dateStyle: 'medium', timeStyle: 'short' });
