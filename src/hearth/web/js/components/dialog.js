// Modal dialogs: focus moves in, Tab stays in, Escape and the backdrop close, focus returns.
import { h } from '../dom.js';
import { t } from '../i18n.js';

// Open dialogs, the top one last: a key belongs to the top one only.
const open = [];

export function openDialog(build, { wide = false, label = '' } = {}) {
  const previous = document.activeElement;
  let resolve;
  const result = new Promise((r) => {
    resolve = r;
  });
  const close = (value) => {
    backdrop.remove();
    document.removeEventListener('keydown', onKey, true);
    const at = open.indexOf(onKey);
    if (at >= 0) open.splice(at, 1);
    if (previous && previous.focus) previous.focus();
    resolve(value);
  };
  const dialog = h('div', { class: `dialog${wide ? ' dialog-wide' : ''}`, role: 'dialog', 'aria-modal': 'true', 'aria-label': label });
  const backdrop = h('div', { class: 'dialog-backdrop', onmousedown: (e) => e.target === backdrop && close(undefined) }, dialog);
  const onKey = (event) => {
    if (open[open.length - 1] !== onKey) return;
    if (event.key === 'Escape') {
      event.stopPropagation();
      close(undefined);
    } else if (event.key === 'Tab') {
      const focusable = [...dialog.querySelectorAll('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])')].filter((el) => !el.disabled);
      if (!focusable.length) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first.focus();
      }
    }
  };
  build(dialog, close);
  document.body.append(backdrop);
  open.push(onKey);
  document.addEventListener('keydown', onKey, true);
  const autofocus = dialog.querySelector('[autofocus], input, textarea, select, button.btn-primary, button');
  if (autofocus) autofocus.focus();
  return result;
}

export function confirmDialog({ title, text = '', confirm = t('common.confirm'), danger = false }) {
  return openDialog((dialog, close) => {
    dialog.append(
      h('h2', { text: title }),
      text && h('p', { class: 'muted', text }),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(false) }),
        h('button', { class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, type: 'button', text: confirm, onclick: () => close(true) }),
      ),
    );
  }, { label: title }).then(Boolean);
}

export function promptDialog({ title, label, value = '', maxLength = 200 }) {
  return openDialog((dialog, close) => {
    const input = h('input', { class: 'input', value, maxlength: maxLength, 'aria-label': label, autofocus: true });
    const form = h(
      'form',
      { class: 'stack', onsubmit: (e) => { e.preventDefault(); close(input.value.trim()); } },
      h('h2', { text: title }),
      h('label', { class: 'field' }, h('span', { class: 'field-label', text: label }), input),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(undefined) }),
        h('button', { class: 'btn btn-primary', type: 'submit', text: t('common.save') }),
      ),
    );
    dialog.append(form);
    setTimeout(() => input.select(), 0);
  }, { label: title });
}
