// The lorebook: entries with trigger keys, content and switches; add, remove, reorder by number.
// An entry's settings are written only when the user changes them, so an entry saves back
// exactly as it was loaded (and fields this editor does not show survive).
import { h, uid } from '../dom.js';
import { t } from '../i18n.js';
import { icon } from './icons.js';

const MAX_CONTENT = 20000;
const MAX_DEPTH = 1000;
const MAX_SCAN_DEPTH = 1000;
const MAX_GROUP_WEIGHT = 1000000;
// SillyTavern's defaults: the depth of a new "in the chat" entry, an entry's group weight.
const DEFAULT_DEPTH = 4;
const DEFAULT_GROUP_WEIGHT = 100;
// The places an entry goes (the `position`s of the API, then "in the chat"), in prompt order.
const placements = () => [
  ['before_char', t('editor.lore_before_char')],
  ['after_char', t('editor.lore_after_char')],
  ['before_examples', t('editor.lore_before_examples')],
  ['after_examples', t('editor.lore_after_examples')],
  ['before_author_note', t('editor.lore_before_author_note')],
  ['after_author_note', t('editor.lore_after_author_note')],
  ['depth', t('editor.lore_at_depth')],
];

function splitKeys(text) {
  return text.split(',').map((k) => k.trim()).filter(Boolean);
}

/**
 * A whole number from `min` to `max` as a number; anything else as typed, so the server
 * refuses it with a clear error instead of the entry silently losing the setting.
 */
function wholeNumber(input, min, max, optional = false) {
  // An optional number left empty is unset (null); `badInput` is text the browser could not read.
  if (optional && input.value === '' && !input.validity.badInput) return null;
  const n = input.valueAsNumber;
  return Number.isInteger(n) && n >= min && n <= max ? n : input.value;
}

function numberInput({ id, value, min, max, label, optional = false, onchange }) {
  const error = h('div', { class: 'field-error', role: 'alert' });
  const input = h('input', {
    class: 'input lore-number', id, type: 'number', inputmode: 'numeric', min, max, step: 1, value: String(value ?? ''),
    oninput: () => {
      const parsed = wholeNumber(input, min, max, optional);
      const bad = parsed !== null && typeof parsed !== 'number';
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
    placements().map(([value, label]) =>
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
  const wholeWords = flagCheck(entry, 'match_whole_words', t('editor.lore_whole_words'));

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
    advancedSettings(entry),
  );
}

/** A checkbox for a setting where unset (null or absent) means off: it stays unset unless turned on. */
function flagCheck(entry, prop, label) {
  const loaded = entry[prop];
  return h(
    'label',
    { class: 'check small' },
    h('input', {
      type: 'checkbox', checked: loaded === true,
      onchange: (e) => {
        entry[prop] = e.target.checked ? true : (loaded === true ? false : loaded);
      },
    }),
    h('span', { text: label }),
  );
}

/**
 * Own scan depth and inclusion group: rarely changed, so folded away, and open when the
 * entry has one of them set (a setting in force should not be hidden).
 */
function advancedSettings(entry) {
  const scanId = uid('scan');
  const groupId = uid('group');
  const weightId = uid('weight');
  const scoringId = uid('scoring');

  const scanDepth = numberInput({
    id: scanId, value: entry.scan_depth, min: 0, max: MAX_SCAN_DEPTH, optional: true,
    onchange: (v) => { entry.scan_depth = v; },
  });
  scanDepth.placeholder = t('editor.lore_scan_depth_book');
  const loadedGroup = entry.group;
  const group = h('input', {
    class: 'input', id: groupId, value: loadedGroup || '', maxlength: 200,
    oninput: () => {
      // Emptied again: back to what was loaded (absent stays absent).
      entry.group = group.value === (loadedGroup || '') ? loadedGroup : group.value;
    },
  });
  const weight = numberInput({
    id: weightId, value: entry.group_weight ?? DEFAULT_GROUP_WEIGHT, min: 0, max: MAX_GROUP_WEIGHT,
    onchange: (v) => { entry.group_weight = v; },
  });
  // A tri-state: null is the lorebook's default.
  const scoringOf = (v) => (v === true ? 'on' : v === false ? 'off' : 'book');
  const scoring = h(
    'select',
    {
      class: 'select select-sm', id: scoringId,
      onchange: () => { entry.use_group_scoring = { on: true, off: false, book: null }[scoring.value]; },
    },
    [['book', t('editor.lore_group_scoring_book')], ['on', t('editor.lore_group_scoring_on')], ['off', t('editor.lore_group_scoring_off')]].map(([value, label]) =>
      h('option', { value, text: label, selected: scoringOf(entry.use_group_scoring) === value })),
  );
  const inForce = (entry.scan_depth !== null && entry.scan_depth !== undefined) || Boolean(entry.group);

  return h(
    'details',
    { class: 'lore-advanced', open: inForce },
    h('summary', { text: t('editor.lore_advanced') }),
    h(
      'div',
      { class: 'lore-settings' },
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: scanId, text: t('editor.lore_scan_depth') }), scanDepth, scanDepth.error, h('div', { class: 'field-hint', text: t('editor.lore_scan_depth_hint') })),
      h('div', { class: 'field' }, h('label', { class: 'field-label', for: groupId, text: t('editor.lore_group') }), group, h('div', { class: 'field-hint', text: t('editor.lore_group_hint') })),
      h(
        'div',
        { class: 'row-wrap lore-group' },
        h('div', { class: 'field' }, h('label', { class: 'field-label', for: weightId, text: t('editor.lore_group_weight') }), weight),
        h('div', { class: 'field' }, h('label', { class: 'field-label', for: scoringId, text: t('editor.lore_group_scoring') }), scoring),
      ),
      weight.error,
      h('div', { class: 'field-hint', text: t('editor.lore_group_weight_hint') }),
      flagCheck(entry, 'group_override', t('editor.lore_group_override')),
      h('div', { class: 'field-hint', text: t('editor.lore_group_override_hint') }),
    ),
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
