// Form fields with labels, counters and inline errors; the API's 422 details land on them.
import { h, uid } from '../dom.js';
import { ApiError, errorMessage } from '../api.js';
import { t } from '../i18n.js';

/**
 * field({name, label, type, value, max, min, multiline, rows, hint, required, options, autocomplete})
 * Returns the wrapper; wrapper.input is the control, wrapper.setError(msg) shows an error.
 */
export function field(spec) {
  const id = uid(spec.name || 'f');
  const errorId = `${id}-err`;
  const hintId = `${id}-hint`;
  let control;
  const common = {
    id,
    name: spec.name,
    class: spec.multiline ? 'textarea' : spec.options ? 'select' : 'input',
    required: spec.required,
    placeholder: spec.placeholder,
    autocomplete: spec.autocomplete,
    'aria-describedby': `${spec.hint ? hintId : ''} ${errorId}`.trim(),
  };
  if (spec.multiline) {
    control = h('textarea', { ...common, rows: spec.rows || 4, maxlength: spec.max });
    control.value = spec.value ?? '';
  } else if (spec.options) {
    control = h('select', common, spec.options.map(([value, label]) => h('option', { value, text: label, selected: String(value) === String(spec.value ?? '') })));
  } else {
    control = h('input', { ...common, type: spec.type || 'text', value: spec.value ?? '', maxlength: spec.max, minlength: spec.min, min: spec.minValue, max: spec.maxValue, inputmode: spec.inputmode });
  }
  const counter = spec.max && spec.counter !== false ? h('span', { class: 'counter', 'aria-hidden': 'true' }) : null;
  const error = h('div', { class: 'field-error', id: errorId, role: 'alert' });
  const hint = spec.hint ? h('div', { class: 'field-hint', id: hintId, text: spec.hint }) : null;
  const wrapper = h(
    'div',
    { class: `field${spec.span ? ' span-2' : ''}` },
    h('label', { class: 'field-label', for: id }, spec.label, spec.required && h('span', { class: 'muted', 'aria-hidden': 'true', text: '*' }), counter),
    control,
    hint,
    error,
  );
  const updateCounter = () => {
    if (!counter) return;
    const length = control.value.length;
    counter.textContent = `${length} / ${spec.max}`;
    counter.classList.toggle('over', length > spec.max);
  };
  control.addEventListener('input', () => {
    updateCounter();
    if (control.getAttribute('aria-invalid')) wrapper.setError('');
  });
  updateCounter();
  wrapper.input = control;
  wrapper.name = spec.name;
  wrapper.setError = (message) => {
    error.textContent = message || '';
    if (message) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
    // An error that repeats the hint ("At least 8 characters.") is shown once: the hint
    // steps aside, for the eye and for screen readers, until the error goes.
    if (hint) {
      const repeated = Boolean(message) && message.trim() === spec.hint.trim();
      hint.hidden = repeated;
      control.setAttribute('aria-describedby', repeated ? errorId : `${hintId} ${errorId}`);
    }
  };
  wrapper.refresh = updateCounter;
  return wrapper;
}

/**
 * Show an API error on a form: 422 details go to their fields (by `field` name, last segment
 * tried too), anything else goes to the form's banner. Returns true when a field took it.
 */
export function showFormError(error, fields, banner) {
  for (const f of Object.values(fields)) f.setError('');
  if (banner) banner.replaceChildren();
  let placed = false;
  if (error instanceof ApiError) {
    const byField = error.fieldErrors;
    for (const [name, message] of Object.entries(byField)) {
      const parts = name.split('.');
      const key = [name, parts[0], parts[parts.length - 1]].find((k) => fields[k]);
      if (fields[key]) {
        fields[key].setError(message);
        placed = true;
      }
    }
    if (!placed && error.code !== 'validation_error' && fields && error.details?.field && fields[error.details.field]) {
      fields[error.details.field].setError(errorMessage(error));
      placed = true;
    }
  }
  if (!placed && banner) {
    banner.append(h('div', { class: 'alert alert-error', role: 'alert' }, errorMessage(error)));
  }
  const first = Object.values(fields).find((f) => f.input.getAttribute('aria-invalid'));
  if (first) first.input.focus();
  return placed;
}

export function submitButton(label, { className = 'btn btn-primary' } = {}) {
  const btn = h('button', { class: className, type: 'submit' }, h('span', { text: label }));
  btn.busy = (on) => {
    btn.disabled = on;
    btn.setAttribute('aria-busy', on ? 'true' : 'false');
    const spinner = btn.querySelector('.spinner');
    if (on && !spinner) btn.prepend(h('span', { class: 'spinner' }));
    if (!on && spinner) spinner.remove();
  };
  return btn;
}

export function formBanner() {
  return h('div', { class: 'form-banner', 'aria-live': 'polite' });
}

export const required = (value) => (String(value || '').trim() ? '' : t('validation.required'));
