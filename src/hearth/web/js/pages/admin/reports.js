// Admin reports: the open queue; resolve (optionally blocking the character) or dismiss.
import { errorMessage, get, post } from '../../api.js';
import { h } from '../../dom.js';
import { formatDate, t } from '../../i18n.js';
import { confirmDialog } from '../../components/dialog.js';
import { emptyIcon } from '../../components/icons.js';
import { toast } from '../../components/toast.js';

export default async function reportsSection(box) {
  const page = await get('/admin/reports', { status: 'open', limit: 50 });
  if (!page.items.length) {
    box.replaceChildren(h('div', { class: 'empty' }, emptyIcon('check'), h('h3', { text: t('admin.no_reports') })));
    return;
  }
  const card = (report) => {
    const act = async (outcome, body = {}) => {
      try {
        await post(`/admin/reports/${report.id}/${outcome}`, body);
        el.remove();
        toast(outcome === 'resolve' ? t('admin.report_resolved') : t('admin.report_dismissed'), { type: 'success' });
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
      }
    };
    const el = h(
      'article',
      { class: 'card report' },
      h('div', { class: 'row-wrap' }, h('span', { class: 'badge badge-warning', text: t(`report.reason_${report.reason}`) }), h('span', { class: 'badge', text: t(`report.target_${report.target_type}`) }), h('span', { class: 'small muted', text: formatDate(report.created_at, { dateStyle: 'medium', timeStyle: 'short' }) })),
      report.excerpt && h('blockquote', { class: 'report-excerpt', text: report.excerpt }),
      report.details && h('p', { class: 'small', text: report.details }),
      h(
        'div',
        { class: 'form-actions' },
        report.character_id && h('a', { class: 'btn btn-sm btn-ghost', href: `#/characters/${report.character_id}`, text: t('admin.open_character') }),
        h('button', { class: 'btn btn-sm', type: 'button', text: t('admin.dismiss'), onclick: () => act('dismiss') }),
        report.character_id && h('button', { class: 'btn btn-sm btn-danger', type: 'button', text: t('admin.resolve_block'), onclick: async () => {
          // The same block as on the Characters tab, with the same question first.
          if (await confirmDialog({ title: t('admin.resolve_block'), text: t('admin.block_character_text'), confirm: t('admin.block'), danger: true })) act('resolve', { block_character: true });
        } }),
        h('button', { class: 'btn btn-sm btn-primary', type: 'button', text: t('admin.resolve'), onclick: () => act('resolve') }),
      ),
    );
    return el;
  };
  box.replaceChildren(h('div', { class: 'stack' }, page.items.map(card)));
}
