// Admin moderation rules: words/phrases or regular expressions that block or flag.
import { del, errorMessage, get, post } from '../../api.js';
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { confirmDialog } from '../../components/dialog.js';
import { field, formBanner, showFormError, submitButton } from '../../components/form.js';
import { toast } from '../../components/toast.js';
import { table } from './common.js';

export default async function moderationSection(box) {
  const rules = await get('/admin/moderation/rules');
  const reload = () => moderationSection(box).catch((error) => toast(errorMessage(error), { type: 'error' }));
  const fields = {
    pattern: field({ name: 'pattern', label: t('admin.rule_pattern'), max: 500, counter: false, required: true, span: true }),
    action: field({ name: 'action', label: t('admin.rule_action'), options: [['block', t('admin.rule_block')], ['flag', t('admin.rule_flag')]], value: 'block' }),
    scope: field({ name: 'scope', label: t('admin.rule_scope'), options: ['all', 'messages', 'characters'].map((s) => [s, t(`admin.scope_${s}`)]), value: 'all' }),
    note: field({ name: 'note', label: t('admin.rule_note'), max: 200, counter: false, span: true }),
  };
  const regex = h('label', { class: 'check span-2' }, h('input', { type: 'checkbox', name: 'is_regex' }), h('span', { text: t('admin.rule_regex') }));
  const banner = formBanner();
  const button = submitButton(t('admin.add_rule'), { className: 'btn btn-sm btn-primary' });
  const form = h('form', { class: 'card stack-sm', novalidate: true }, h('h3', { text: t('admin.add_rule') }), h('div', { class: 'form-grid' }, fields.pattern, fields.action, fields.scope, regex, fields.note), banner, h('div', { class: 'form-actions' }, button));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const pattern = fields.pattern.input.value.trim();
    if (!pattern) {
      fields.pattern.setError(t('validation.required'));
      fields.pattern.input.focus();
      return;
    }
    button.busy(true);
    try {
      await post('/admin/moderation/rules', { pattern, is_regex: form.elements.is_regex.checked, action: fields.action.input.value, scope: fields.scope.input.value, note: fields.note.input.value.trim() });
      toast(t('admin.rule_added'), { type: 'success' });
      reload();
    } catch (error) {
      showFormError(error, fields, banner);
      button.busy(false);
    }
  });
  const remove = async (rule) => {
    if (!(await confirmDialog({ title: t('admin.remove_rule'), text: rule.pattern, confirm: t('common.delete'), danger: true }))) return;
    try {
      await del(`/admin/moderation/rules/${rule.id}`);
      reload();
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
    }
  };
  box.replaceChildren(
    form,
    h('div', { style: { marginTop: '16px' } },
      rules.length
        ? table(
            [t('admin.rule_pattern'), t('admin.rule_action'), t('admin.rule_scope'), ''],
            rules.map((r) =>
              h(
                'tr',
                {},
                h('td', {}, h('code', { text: r.pattern }), r.is_regex && h('span', { class: 'badge', style: { marginLeft: '8px' }, text: t('admin.regex_badge') }), r.note && h('div', { class: 'muted', text: r.note })),
                h('td', {}, h('span', { class: `badge ${r.action === 'block' ? 'badge-danger' : 'badge-warning'}`, text: r.action === 'block' ? t('admin.rule_block') : t('admin.rule_flag') })),
                h('td', { text: t(`admin.scope_${r.scope}`) }),
                h('td', {}, h('button', { class: 'btn btn-sm btn-danger', type: 'button', text: t('common.delete'), onclick: () => remove(r) })),
              ),
            ),
          )
        : h('p', { class: 'muted', text: t('admin.no_rules') }),
    ),
  );
}
