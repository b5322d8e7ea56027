// Admin providers: what is configured, its circuit state, and a live check.
import { errorMessage, get, post } from '../../api.js';
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { toast } from '../../components/toast.js';
import { statusBadge, table } from './common.js';

export default async function providersSection(box) {
  const [providers, models] = await Promise.all([get('/admin/providers'), get('/admin/models').catch(() => null)]);
  const results = h('div', { class: 'stack-sm', 'aria-live': 'polite' });
  const check = h('button', { class: 'btn', type: 'button', text: t('admin.check_providers') });
  check.addEventListener('click', async () => {
    check.disabled = true;
    results.replaceChildren(h('div', { class: 'progress indeterminate' }, h('span')));
    try {
      const found = await post('/admin/providers/check');
      results.replaceChildren(
        table(
          [t('admin.provider'), t('chat.model'), t('admin.status'), t('admin.latency')],
          found.map((c) => h('tr', {}, h('td', { text: c.provider }), h('td', { text: c.model }), h('td', {}, statusBadge(c.ok, c.status, c.code || c.status)), h('td', { text: c.latency_ms === null ? '—' : `${c.latency_ms} ms` }))),
        ),
      );
    } catch (error) {
      results.replaceChildren();
      toast(errorMessage(error), { type: 'error' });
    } finally {
      check.disabled = false;
    }
  });
  box.replaceChildren(
    models && h('p', { class: 'small muted', text: t('admin.default_model', { model: models.default_model }) }),
    table(
      [t('admin.provider'), t('admin.kind'), t('admin.source'), t('admin.status'), t('admin.circuit')],
      providers.map((p) => h('tr', {}, h('td', {}, h('b', { text: p.name }), p.base_url && h('div', { class: 'muted', text: p.base_url })), h('td', { text: p.kind }), h('td', { text: p.source }), h('td', {}, statusBadge(p.enabled, t('admin.enabled'), t('admin.disabled'))), h('td', { text: p.circuit }))),
    ),
    h('div', { style: { margin: '16px 0' } }, check),
    results,
  );
}
