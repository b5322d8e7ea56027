// The lorebook: entries with trigger keys, content and switches; add, remove, reorder by number.
import { h, uid } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from './icons.js';

const MAX_CONTENT = 20000;

function splitKeys(text) {
  return text.split(',').map((k) => k.trim()).filter(Boolean);
}

export function lorebookEditor(lorebook) {
  const book = lorebook ? structuredClone(lorebook) : { name: '', description: '', entries: [] };
  const list = h('div', { class: 'list-editor' });
  const empty = h('p', { class: 'muted small', text: t('editor.lore_empty') });

  function entryView(entry) {
    const keysId = uid('keys');
    const contentId = uid('content');
    const keys = h('input', { class: 'input', id: keysId, value: (entry.keys || []).join(', '), placeholder: t('editor.lore_keys_placeholder'), oninput: () => { entry.keys = splitKeys(keys.value); } });
    const content = h('textarea', { class: 'textarea', id: contentId, rows: 3, maxlength: MAX_CONTENT, oninput: () => { entry.content = content.value; counter.textContent = `${content.value.length} / ${MAX_CONTENT}`; } });
    content.value = entry.content || '';
    const counter = h('span', { class: 'counter', text: `${content.value.length} / ${MAX_CONTENT}` });
    const toggle = (prop, label) =>
      h('label', { class: 'switch small' }, h('input', { type: 'checkbox', checked: prop === 'enabled' ? entry.enabled !== false : Boolean(entry[prop]), onchange: (e) => { entry[prop] = e.target.checked; } }), h('span', { class: 'track' }), label);
    const view = h(
      'div',
      { class: 'lore-entry' },
      h(
        'div',
        { class: 'lore-head' },
        h('input', { class: 'input', value: entry.name || entry.comment || '', placeholder: t('editor.lore_name'), 'aria-label': t('editor.lore_name'), oninput: (e) => { entry.name = e.target.value; } }),
        h('button', {
          class: 'icon-btn',
          type: 'button',
          'aria-label': t('editor.lore_remove'),
          title: t('editor.lore_remove'),
          onclick: () => {
            book.entries.splice(book.entries.indexOf(entry), 1);
            render();
          },
        }, icon('trash')),
      ),
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: keysId, text: t('editor.lore_keys') }), keys, h('div', { class: 'field-hint', text: t('editor.lore_keys_hint') })),
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: contentId }, t('editor.lore_content'), counter), content),
      h('div', { class: 'row-wrap' }, toggle('enabled', t('editor.lore_enabled')), toggle('constant', t('editor.lore_constant')), toggle('case_sensitive', t('editor.lore_case'))),
    );
    return view;
  }

  function render() {
    list.replaceChildren(...(book.entries.length ? book.entries.map(entryView) : [empty]));
  }

  const root = h(
    'div',
    { class: 'stack' },
    list,
    h('div', {}, h('button', {
      class: 'btn',
      type: 'button',
      onclick: () => {
        book.entries.push({ keys: [], content: '', enabled: true, constant: false, insertion_order: 100 });
        render();
        list.lastElementChild.querySelector('input').focus();
      },
    }, icon('plus'), t('editor.lore_add'))),
  );
  render();
  root.value = () => {
    const entries = book.entries.filter((e) => (e.content || '').trim() || (e.keys || []).length);
    if (!entries.length && !lorebook) return null;
    return { ...book, entries: entries.map((e, i) => ({ ...e, id: e.id ?? i + 1 })) };
  };
  root.setValue = (next) => {
    book.entries = next?.entries ? structuredClone(next.entries) : [];
    render();
  };
  return root;
}
