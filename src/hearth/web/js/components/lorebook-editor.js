// The lorebook: entries with trigger keys, content and switches; add, remove, reorder by number.
// An entry's settings are written only when the user changes them, so an entry saves back
// exactly as it was loaded (and fields this editor does not show survive).
import { h, uid } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from './icons.js';

const MAX_CONTENT = 20000;
const MAX_DEPTH = 1000;
// SillyTavern's depth for a new "in the chat" entry.
const DEFAULT_DEPTH = 4;

function splitKeys(text) {
  return text.split(',').map((k) => k.trim()).filter(Boolean);
}

/**
 * A whole number from `min` to `max` as a number; anything else as typed, so the server
 * refuses it with a clear error instead of the entry silently losing the setting.
 */
function wholeNumber(input, min, max) {
  const n = input.valueAsNumber;
  return Number.isInteger(n) && n >= min && n <= max ? n : input.value;
}

function numberInput({ id, value, min, max, label, onchange }) {
  const error = h('div', { class: 'field-error', role: 'alert' });
  const input = h('input', {
    class: 'input lore-number', id, type: 'number', inputmode: 'numeric', min, max, step: 1, value: String(value),
    oninput: () => {
      const parsed = wholeNumber(input, min, max);
      const bad = typeof parsed !== 'number';
      error.textContent = bad ? t('editor.lore_number_range', { min, max }) : '';
      if (bad) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      onchange(parsed);
    },
  });
  if (label) input.setAttribute('aria-label', label);
  input.error = error;
  return input;
}

/** Placement, chance and whole words: SillyTavern's settings of one entry. */
function entrySettings(entry) {
  const placeId = uid('place');
  const depthId = uid('depth');
  const roleId = uid('role');
  const chanceId = uid('chance');
  const atDepth = entry.depth !== null && entry.depth !== undefined;

  const depth = numberInput({
    id: depthId, value: atDepth ? entry.depth : DEFAULT_DEPTH, min: 0, max: MAX_DEPTH,
    onchange: (v) => { entry.depth = v; },
  });
  const role = h(
    'select',
    { class: 'select select-sm', id: roleId, onchange: () => { entry.role = role.value; } },
    [['system', t('editor.lore_role_system')], ['user', t('editor.lore_role_user')], ['assistant', t('editor.lore_role_assistant')]].map(([r, label]) =>
      h('option', { value: r, text: label, selected: (entry.role || 'system') === r })),
  );
  const inChat = h(
    'div',
    { class: 'lore-in-chat', hidden: !atDepth },
    h('div', { class: 'field' }, h('label', { class: 'field-label', for: depthId, text: t('editor.lore_depth') }), depth),
    h('div', { class: 'field' }, h('label', { class: 'field-label', for: roleId, text: t('editor.lore_role') }), role),
  );
  const placement = h(
    'select',
    {
      class: 'select select-sm', id: placeId,
      onchange: () => {
        const chat = placement.value === 'depth';
        inChat.hidden = !chat;
        if (chat) {
          entry.depth = wholeNumber(depth, 0, MAX_DEPTH);
          entry.role = role.value;
        } else {
          entry.depth = null;
          entry.position = placement.value;
        }
      },
    },
    [['before_char', t('editor.lore_before_char')], ['after_char', t('editor.lore_after_char')], ['depth', t('editor.lore_at_depth')]].map(([value, label]) =>
      h('option', { value, text: label, selected: atDepth ? value === 'depth' : value === (entry.position || 'before_char') })),
  );

  const useChance = entry.use_probability !== false;
  const chance = numberInput({
    id: chanceId, value: entry.probability ?? 100, min: 0, max: 100, label: t('editor.lore_probability'),
    onchange: (v) => { entry.probability = v; },
  });
  chance.disabled = !useChance;
  const chanceSwitch = h(
    'label',
    { class: 'switch small' },
    h('input', {
      type: 'checkbox', checked: useChance,
      onchange: (e) => {
        entry.use_probability = e.target.checked;
        chance.disabled = !e.target.checked;
      },
    }),
    h('span', { class: 'track' }),
    t('editor.lore_use_probability'),
  );
  // Unset (null: the lorebook's default, off) stays unset unless the user turns it on.
  const loadedWholeWords = entry.match_whole_words;
  const wholeWords = h(
    'label',
    { class: 'check small' },
    h('input', {
      type: 'checkbox', checked: loadedWholeWords === true,
      onchange: (e) => {
        entry.match_whole_words = e.target.checked ? true : (loadedWholeWords === true ? false : loadedWholeWords);
      },
    }),
    h('span', { text: t('editor.lore_whole_words') }),
  );

  return h(
    'div',
    { class: 'lore-settings' },
    h(
      'div',
      { class: 'row-wrap lore-placement' },
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: placeId, text: t('editor.lore_placement') }), placement),
      inChat,
    ),
    depth.error,
    h('div', { class: 'field-hint', text: t('editor.lore_placement_hint') }),
    h('div', { class: 'row-wrap lore-chance' }, chanceSwitch, chance, h('span', { class: 'small muted', text: '%' })),
    chance.error,
    h('div', { class: 'field-hint', text: t('editor.lore_probability_hint') }),
    wholeWords,
    h('div', { class: 'field-hint', text: t('editor.lore_whole_words_hint') }),
  );
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
      entrySettings(entry),
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
