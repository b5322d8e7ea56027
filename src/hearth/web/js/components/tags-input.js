// Tags as pills: Enter or comma adds, Backspace on an empty box removes the last.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from './icons.js';

export function tagsInput({ value = [], max = 20, maxLength = 32, label = '', id = '' }) {
  let tags = [...value];
  const input = h('input', { id, type: 'text', 'aria-label': label, placeholder: t('editor.tags_placeholder'), maxlength: maxLength, autocomplete: 'off' });
  const root = h('div', { class: 'tags-input', onclick: () => input.focus() });
  const render = () => {
    root.replaceChildren(
      ...tags.map((tag, i) =>
        h('span', { class: 'tag-pill' }, tag, h('button', { type: 'button', 'aria-label': t('editor.remove_tag', { tag }), onclick: (e) => { e.stopPropagation(); tags.splice(i, 1); render(); input.focus(); } }, icon('close'))),
      ),
      input,
    );
    input.placeholder = tags.length >= max ? '' : t('editor.tags_placeholder');
    input.disabled = tags.length >= max;
  };
  const add = (raw, { focus = true } = {}) => {
    for (const part of raw.split(',')) {
      const tag = part.trim().toLowerCase().replace(/\s+/g, ' ').replace(/^#/, '');
      if (tag && !tags.includes(tag) && tags.length < max) tags.push(tag.slice(0, maxLength));
    }
    input.value = '';
    render();
    if (focus) input.focus();
  };
  input.addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ',') && input.value.trim()) {
      event.preventDefault();
      add(input.value);
    } else if (event.key === 'Enter') event.preventDefault();
    else if (event.key === 'Backspace' && !input.value && tags.length) {
      tags.pop();
      render();
      input.focus();
    }
  });
  // Leaving the field keeps what was typed as a tag, and focus goes where the user went.
  input.addEventListener('blur', () => input.value.trim() && add(input.value, { focus: false }));
  input.addEventListener('paste', (event) => {
    const text = event.clipboardData?.getData('text') || '';
    if (text.includes(',')) {
      event.preventDefault();
      add(text);
    }
  });
  render();
  root.value = () => {
    if (input.value.trim()) add(input.value);
    return [...tags];
  };
  root.setValue = (next) => {
    tags = [...(next || [])];
    render();
  };
  return root;
}
