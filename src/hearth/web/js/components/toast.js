// Toasts: short notices at the bottom; an optional action (e.g. Undo) and a timeout.
import { h } from '../dom.js';

/**
 * toast('Saved', {type: 'success'}); toast(text, {action: {label, run}, timeout, onTimeout})
 * Returns a function that dismisses the toast.
 */
export function toast(text, { type = 'info', action = null, timeout = 4000, onTimeout = null } = {}) {
  const region = document.getElementById('toasts');
  let timer = null;
  let done = false;
  const dismiss = (expired = false) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    el.remove();
    if (expired && onTimeout) onTimeout();
  };
  const el = h(
    'div',
    { class: `toast ${type}`, role: type === 'error' ? 'alert' : 'status' },
    h('span', { class: 'toast-dot' }),
    h('span', { class: 'toast-text', text }),
    action &&
      h('button', {
        class: 'btn btn-sm',
        type: 'button',
        text: action.label,
        onclick: () => {
          done = true;
          clearTimeout(timer);
          el.remove();
          action.run();
        },
      }),
  );
  region.append(el);
  if (timeout) timer = setTimeout(() => dismiss(true), timeout);
  return () => dismiss(false);
}
