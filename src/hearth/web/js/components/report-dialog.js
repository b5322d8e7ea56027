// Report a character or a message: a reason, optional details, sent to the moderators.
import { errorMessage, post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { openDialog } from './dialog.js';
import { field, formBanner, showFormError, submitButton } from './form.js';
import { toast } from './toast.js';

const REASONS = ['spam', 'harassment', 'sexual_content', 'minors', 'violence', 'illegal', 'other'];

export function reportDialog(targetType, targetId) {
  return openDialog((dialog, close) => {
    const fields = {
      reason: field({ name: 'reason', label: t('report.reason'), options: REASONS.map((r) => [r, t(`report.reason_${r}`)]), value: 'other' }),
      details: field({ name: 'details', label: t('report.details'), multiline: true, rows: 4, max: 2000 }),
    };
    const banner = formBanner();
    const button = submitButton(t('report.send'));
    const form = h('form', { class: 'stack', novalidate: true });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.busy(true);
      try {
        await post('/reports', { target_type: targetType, target_id: targetId, reason: fields.reason.input.value, details: fields.details.input.value });
        toast(t('report.sent'), { type: 'success' });
        close(true);
      } catch (error) {
        if (!showFormError(error, fields, banner)) toast(errorMessage(error), { type: 'error' });
        button.busy(false);
      }
    });
    form.append(
      h('h2', { text: t('report.title') }),
      h('p', { class: 'small muted', text: t('report.hint') }),
      banner,
      fields.reason,
      fields.details,
      h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(false) }), button),
    );
    dialog.append(form);
  }, { label: t('report.title') });
}
