// The message box: grows with its text, Enter sends, Shift+Enter breaks the line,
// and the send button turns into Stop while a reply is being written. `onDraft` hears every
// change of the unsent text (and '' once it is sent), `draft` is the text to start with.
// setBusy(true, {onStop}) lets other work than a reply (a drafted reply) own the Stop button.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from './icons.js';

const MAX_HEIGHT = 220;

export function composer({ onSend, onStop, onDraft = () => {}, draft = '', maxLength = 32000, placeholder = '' }) {
  const input = h('textarea', {
    class: 'composer-input',
    rows: 1,
    maxlength: maxLength,
    placeholder: placeholder || t('chat.placeholder'),
    'aria-label': t('chat.input_label'),
    enterkeyhint: 'send',
  });
  const sendBtn = h('button', { class: 'composer-send', type: 'submit', 'aria-label': t('chat.send'), title: t('chat.send') }, icon('send'));
  const stopBtn = h('button', { class: 'composer-stop', type: 'button', 'aria-label': t('chat.stop'), title: t('chat.stop'), hidden: true, onclick: () => (stopOverride || onStop)() }, icon('stop'));
  const form = h('form', { class: 'composer' }, h('div', { class: 'composer-box' }, input, sendBtn, stopBtn), h('div', { class: 'composer-hint', text: t('chat.enter_hint') }));
  input.value = draft;
  let busy = false;
  let stopOverride = null;

  const grow = () => {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, MAX_HEIGHT)}px`;
    input.style.overflowY = input.scrollHeight > MAX_HEIGHT ? 'auto' : 'hidden';
    sendBtn.disabled = busy || !input.value.trim();
  };
  const submit = () => {
    const text = input.value;
    if (busy || !text.trim()) return;
    input.value = '';
    onDraft('');
    grow();
    onSend(text);
  };
  input.addEventListener('input', () => {
    onDraft(input.value);
    grow();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });

  form.input = input;
  form.setBusy = (on, { onStop: stopThis = null } = {}) => {
    busy = on;
    stopOverride = on ? stopThis : null;
    sendBtn.hidden = on;
    stopBtn.hidden = !on;
    grow();
  };
  form.restore = (text) => {
    if (!input.value) input.value = text;
    onDraft(input.value);
    grow();
    input.focus();
  };
  form.focus = () => input.focus();
  requestAnimationFrame(grow);
  return form;
}
