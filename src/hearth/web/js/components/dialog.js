// Modal dialogs: focus moves in, Tab stays in, Escape and the backdrop close, focus returns.
// A dialog belongs to the page under it: a route change closes it (see closeAllDialogs).
// One holding what the person typed asks before Escape or the backdrop throws it away.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { watchUnsaved } from '../unsaved.js';

// Open dialogs, the top one last: a key belongs to the top one only.
const open = [];

export function openDialog(build, { wide = false, label = '' } = {}) {
  const previous = document.activeElement;
  let resolve;
  const result = new Promise((r) => {
    resolve = r;
  });
  const entry = { edited: false, close: null };
  const unwatch = watchUnsaved(() => entry.edited);
  const close = (value, { restoreFocus = true } = {}) => {
    const at = open.indexOf(entry);
    if (at < 0) return; // closed already (a route change, then the dialog's own button)
    open.splice(at, 1);
    unwatch();
    backdrop.remove();
    document.removeEventListener('keydown', onKey, true);
    if (restoreFocus && previous && previous.focus) previous.focus();
    resolve(value);
  };
  entry.close = close;
  // Escape and the backdrop are easy to hit by accident: typed text makes them ask first
  // (Escape or the backdrop on that question keeps the dialog).
  let asking = false;
  const dismiss = async () => {
    if (!entry.edited) {
      close(undefined);
      return;
    }
    if (asking) return;
    asking = true;
    const discard = await confirmDiscard(t('dialog.discard_close_text'));
    asking = false;
    if (discard) close(undefined);
  };
  const dialog = h('div', { class: `dialog${wide ? ' dialog-wide' : ''}`, role: 'dialog', 'aria-modal': 'true', 'aria-label': label });
  const backdrop = h('div', { class: 'dialog-backdrop', onmousedown: (e) => e.target === backdrop && dismiss() }, dialog);
  // What the person typed or picked, not what the dialog filled in itself (those fire no event).
  const touched = (event) => {
    if (event.isTrusted && event.target.matches('input, textarea, select, [contenteditable]')) entry.edited = true;
  };
  dialog.addEventListener('input', touched);
  dialog.addEventListener('change', touched);
  // What was sent is not lost by closing (a dialog of several forms stays open after one).
  dialog.addEventListener('submit', () => { entry.edited = false; });
  const onKey = (event) => {
    if (open[open.length - 1] !== entry) return;
    if (event.key === 'Escape') {
      event.stopPropagation();
      dismiss();
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
  open.push(entry);
  document.addEventListener('keydown', onKey, true);
  const autofocus = dialog.querySelector('[autofocus], input, textarea, select, button.btn-primary, button');
  if (autofocus) autofocus.focus();
  return result;
}

/** True while an open dialog holds input the person typed and has not sent. */
export function hasEditedDialog() {
  return open.some((entry) => entry.edited);
}

/** Close every dialog, as cancelled (the page they belong to is going away). */
export function closeAllDialogs() {
  for (const entry of [...open].reverse()) entry.close(undefined, { restoreFocus: false });
}

export function confirmDialog({ title, text = '', confirm = t('common.confirm'), cancel = t('common.cancel'), danger = false }) {
  return openDialog((dialog, close) => {
    dialog.append(
      h('h2', { text: title }),
      text && h('p', { class: 'muted', text }),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { class: 'btn btn-ghost', type: 'button', text: cancel, onclick: () => close(false) }),
        h('button', { class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, type: 'button', text: confirm, onclick: () => close(true) }),
      ),
    );
  }, { label: title }).then(Boolean);
}

/** "Discard what you typed?" with `text` saying what would be lost; true means discard. */
export function confirmDiscard(text = t('dialog.discard_text')) {
  return confirmDialog({ title: t('dialog.discard_title'), text, confirm: t('dialog.discard'), cancel: t('dialog.keep'), danger: true });
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
