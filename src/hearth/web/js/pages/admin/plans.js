// Admin plans: the list, a new plan, and edits (name, daily units, prepaid, default).
import { errorMessage, get, patch, post } from '../../api.js';
import { h } from '../../dom.js';
import { formatNumber, t } from '../../i18n.js';
import { openDialog } from '../../components/dialog.js';
import { field, formBanner, showFormError, submitButton } from '../../components/form.js';
import { toast } from '../../components/toast.js';
import { table } from './common.js';

function planDialog(plan) {
  return openDialog((dialog, close) => {
    const fields = {
      name: field({ name: 'name', label: t('admin.plan_name'), max: 64, value: plan?.name || '', required: true }),
      daily_units: field({ name: 'daily_units', label: t('admin.daily_units'), type: 'number', minValue: 0, inputmode: 'numeric', value: plan?.daily_units ?? '', hint: t('admin.plan_units_hint') }),
    };
    const prepaid = h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'requires_balance', checked: plan?.requires_balance }), h('span', { text: t('admin.requires_balance') }));
    const isDefault = h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'is_default', checked: plan?.is_default }), h('span', { text: t('admin.plan_is_default') }));
    const banner = formBanner();
    const button = submitButton(plan ? t('common.save') : t('admin.create_plan'));
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h('h2', { text: plan ? t('admin.edit_plan') : t('admin.new_plan') }),
      fields.name,
      fields.daily_units,
      prepaid,
      isDefault,
      banner,
      h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(false) }), button),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = fields.name.input.value.trim();
      if (!name) {
        fields.name.setError(t('validation.required'));
        fields.name.input.focus();
        return;
      }
      const raw = fields.daily_units.input.value.trim();
      const body = { name, daily_units: raw === '' ? null : Number(raw), requires_balance: form.elements.requires_balance.checked, is_default: form.elements.is_default.checked };
      button.busy(true);
      try {
        if (plan) await patch(`/admin/plans/${plan.id}`, body);
        else await post('/admin/plans', body);
        toast(t('admin.plan_saved'), { type: 'success' });
        close(true);
      } catch (error) {
        showFormError(error, fields, banner);
      } finally {
        button.busy(false);
      }
    });
    dialog.append(form);
  }, { label: plan ? plan.name : t('admin.new_plan') });
}

export default async function plansSection(box) {
  const plans = await get('/admin/plans');
  const reload = () => plansSection(box).catch((error) => toast(errorMessage(error), { type: 'error' }));
  const add = h('button', { class: 'btn btn-primary', type: 'button', text: t('admin.new_plan') });
  add.addEventListener('click', async () => {
    if (await planDialog(null)) reload();
  });
  box.replaceChildren(
    h('div', { class: 'row-wrap', style: { marginBottom: '16px' } }, add),
    plans.length
      ? table(
          [t('admin.plan_name'), t('admin.daily_units'), t('admin.requires_balance'), ''],
          plans.map((p) =>
            h(
              'tr',
              {},
              h('td', {}, h('b', { text: p.name }), p.is_default && h('span', { class: 'badge badge-accent', style: { marginLeft: '8px' }, text: t('admin.plan_default_badge') })),
              h('td', { text: p.daily_units === null ? t('admin.unlimited') : formatNumber(p.daily_units, {}) }),
              h('td', { text: p.requires_balance ? t('admin.yes') : t('admin.no') }),
              h('td', {}, h('button', { class: 'btn btn-sm', type: 'button', text: t('common.edit'), onclick: async () => (await planDialog(p)) && reload() })),
            ),
          ),
        )
      : h('p', { class: 'muted', text: t('admin.no_plans') }),
  );
}
