// Create / edit a character: every field with counters and validation, avatar with crop,
// tags, alternate greetings, lorebook, card import by drag & drop, generation from a story.
import { ApiError, errorMessage, get, patch, post, upload } from '../api.js';
import { h } from '../dom.js';
import { language, t } from '../i18n.js';
import { getState } from '../store.js';
import { navigate } from '../router.js';
import { openDialog } from '../components/dialog.js';
import { field, formBanner, showFormError, submitButton } from '../components/form.js';
import { icon } from '../components/icons.js';
import { cropToSquare } from '../components/image-crop.js';
import { lorebookEditor } from '../components/lorebook-editor.js';
import { tagsInput } from '../components/tags-input.js';
import { toast } from '../components/toast.js';
import { watchUnsaved } from '../unsaved.js';

const TEXT_FIELDS = [
  // name, max, multiline rows, section
  ['name', 128, 0, 'basics'],
  ['tagline', 256, 0, 'basics'],
  ['gender', 32, 0, 'basics'],
  ['description', 32000, 6, 'persona'],
  ['personality', 16000, 4, 'persona'],
  ['scenario', 16000, 4, 'persona'],
  ['greeting', 16000, 5, 'greetings'],
  ['example_dialogue', 32000, 6, 'advanced'],
  ['system_prompt', 16000, 4, 'advanced'],
  ['post_history_instructions', 16000, 3, 'advanced'],
  ['creator_notes', 16000, 3, 'advanced'],
];

function segmented(name, options, value) {
  const group = h(
    'div',
    { class: 'segmented', role: 'radiogroup', 'aria-label': t(`editor.${name}`) },
    options.map(([v, label]) => h('label', {}, h('input', { type: 'radio', name, value: v, checked: v === value }), h('span', { text: label }))),
  );
  group.value = () => group.querySelector('input:checked')?.value;
  group.setValue = (v) => {
    const input = group.querySelector(`input[value="${v}"]`);
    if (input) input.checked = true;
  };
  return group;
}

function greetingsList(values) {
  const list = h('div', { class: 'list-editor' });
  const add = (text = '') => {
    const area = h('textarea', { class: 'textarea', rows: 3, maxlength: 16000, 'aria-label': t('editor.alternate_greeting') });
    area.value = text;
    const row = h('div', { class: 'list-item' }, area, h('button', { class: 'icon-btn', type: 'button', 'aria-label': t('common.delete'), title: t('common.delete'), onclick: () => row.remove() }, icon('trash')));
    list.append(row);
    return area;
  };
  values.forEach((v) => add(v));
  const root = h('div', { class: 'stack-sm' }, list, h('div', {}, h('button', { class: 'btn btn-sm', type: 'button', onclick: () => add().focus() }, icon('plus'), t('editor.add_greeting'))));
  root.value = () => [...list.querySelectorAll('textarea')].map((a) => a.value).filter((v) => v.trim());
  root.setValue = (next) => {
    list.replaceChildren();
    (next || []).forEach((v) => add(v));
  };
  return root;
}

function generateDialog() {
  return openDialog((dialog, close) => {
    const area = h('textarea', { class: 'textarea', rows: 10, maxlength: 20000, 'aria-label': t('editor.generate_label'), placeholder: t('editor.generate_placeholder') });
    const progress = h('div', { class: 'stack-sm', hidden: true }, h('div', { class: 'progress indeterminate' }, h('span')), h('p', { class: 'small muted', 'aria-live': 'polite' }));
    const banner = formBanner();
    const go = h('button', { class: 'btn btn-primary', type: 'button' }, icon('sparkle'), t('editor.generate_go'));
    let timer = null;
    go.addEventListener('click', async () => {
      if (!area.value.trim()) return area.focus();
      go.disabled = true;
      area.disabled = true;
      progress.hidden = false;
      const started = Date.now();
      const tick = () => {
        progress.querySelector('p').textContent = t('editor.generating', { seconds: Math.round((Date.now() - started) / 1000) });
      };
      tick();
      timer = setInterval(tick, 1000);
      try {
        const draft = await post('/characters/generate', { text: area.value.trim(), locale: language() });
        clearInterval(timer);
        close(draft);
      } catch (error) {
        clearInterval(timer);
        progress.hidden = true;
        go.disabled = false;
        area.disabled = false;
        showFormError(error, {}, banner);
      }
    });
    dialog.append(
      h('h2', {}, t('editor.generate_title')),
      h('p', { class: 'small muted', text: t('editor.generate_hint') }),
      banner,
      area,
      progress,
      h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => { clearInterval(timer); close(null); } }), go),
    );
  }, { wide: true, label: t('editor.generate_title') });
}

export default async function mount(root, { params }) {
  const editing = Boolean(params.id);
  const page = h('div', { class: 'page' });
  root.append(page);
  let character = null;
  if (editing) {
    page.append(h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
    try {
      character = await get(`/characters/${params.id}`);
    } catch (error) {
      page.replaceChildren(h('div', { class: 'empty' }, h('h3', { text: errorMessage(error) }), h('a', { class: 'btn', href: '#/', text: t('notfound.home') })));
      return;
    }
    page.replaceChildren();
  }
  document.title = `${editing ? t('editor.edit_title', { name: character.name }) : t('editor.new_title')} · Hearth`;
  const user = getState().user;
  const c = character || {};

  // ---------- fields ----------
  const fields = {};
  for (const [name, max, rows] of TEXT_FIELDS) {
    fields[name] = field({
      name,
      label: t(`editor.${name}`),
      hint: t(`editor.${name}_hint`),
      max,
      multiline: rows > 0,
      rows,
      value: c[name] || '',
      required: name === 'name',
    });
  }
  const tags = tagsInput({ value: c.tags || [], label: t('editor.tags') });
  const ratingOptions = [['sfw', t('rating.sfw')], ['moderate', t('rating.moderate')], ['nsfw', t('rating.nsfw')]];
  const rating = segmented('content_rating', ratingOptions, c.content_rating || 'sfw');
  const visibility = segmented('visibility', [['public', t('visibility.public')], ['unlisted', t('visibility.unlisted')], ['private', t('visibility.private')]], c.visibility || 'public');
  const greetings = greetingsList(c.alternate_greetings || []);
  const lore = lorebookEditor(c.lorebook || null);
  const extraFields = {
    tags: { setError: (m) => tagsError.replaceChildren(m || ''), input: tags.querySelector('input') },
    content_rating: { setError: (m) => ratingError.replaceChildren(m || ''), input: rating.querySelector('input') },
    visibility: { setError: (m) => ratingError.replaceChildren(m || ''), input: visibility.querySelector('input') },
    alternate_greetings: { setError: (m) => greetError.replaceChildren(m || ''), input: greetings.querySelector('textarea') || tags.querySelector('input') },
    lorebook: { setError: (m) => loreError.replaceChildren(m || ''), input: lore.querySelector('input') || tags.querySelector('input') },
  };
  const tagsError = h('div', { class: 'field-error', role: 'alert' });
  const ratingError = h('div', { class: 'field-error', role: 'alert' });
  const greetError = h('div', { class: 'field-error', role: 'alert' });
  const loreError = h('div', { class: 'field-error', role: 'alert' });
  for (const f of Object.values(extraFields)) f.input?.removeAttribute?.('aria-invalid');

  // ---------- avatar ----------
  let pendingAvatar = null;
  const preview = h('button', { class: 'avatar-preview', type: 'button', 'aria-label': t('editor.avatar_choose') });
  const fileInput = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/webp', class: 'visually-hidden', 'aria-label': t('editor.avatar_choose'), tabindex: '-1' });
  const showPreview = (url) => {
    preview.replaceChildren(url ? h('img', { src: url, alt: t('editor.avatar_preview') }) : h('div', { class: 'stack-sm', style: { alignItems: 'center' } }, icon('image'), h('span', { class: 'small', text: t('editor.avatar_choose') })));
  };
  showPreview(c.avatar_url);
  preview.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files[0];
    fileInput.value = '';
    if (!file) return;
    let blob;
    try {
      blob = await cropToSquare(file);
    } catch {
      toast(t('errors.invalid_image'), { type: 'error' });
      return;
    }
    if (!blob) return;
    pendingAvatar = blob;
    showPreview(URL.createObjectURL(blob));
  });

  // ---------- import & generate ----------
  const fill = (draft) => {
    for (const [name] of TEXT_FIELDS) {
      if (draft[name] !== undefined && draft[name] !== null) {
        fields[name].input.value = draft[name];
        fields[name].refresh();
      }
    }
    if (draft.tags) tags.setValue(draft.tags);
    if (draft.alternate_greetings) greetings.setValue(draft.alternate_greetings);
    if (draft.content_rating) rating.setValue(draft.content_rating);
    if (draft.lorebook) lore.setValue(draft.lorebook);
  };
  const dropZone = h('div', { class: 'drop-zone', tabindex: 0, role: 'button', 'aria-label': t('editor.import_label') }, icon('upload'), h('p', { class: 'small', text: t('editor.import_hint') }));
  const cardInput = h('input', { type: 'file', accept: '.json,.png,.charx,application/json,image/png', class: 'visually-hidden', tabindex: '-1', 'aria-label': t('editor.import_label') });
  const importCard = async (file) => {
    if (!file) return;
    if (!/\.(png|json|charx)$/i.test(file.name)) {
      toast(t('errors.unsupported_media_type'), { type: 'error' });
      return;
    }
    dropZone.replaceChildren(h('span', { class: 'spinner' }), h('p', { class: 'small', text: t('editor.importing') }));
    try {
      const created = await upload('/characters/import', file, { method: 'POST' });
      toast(t('editor.imported', { name: created.name }), { type: 'success' });
      navigate(`/characters/${created.id}/edit`);
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
      dropZone.replaceChildren(icon('upload'), h('p', { class: 'small', text: t('editor.import_hint') }));
    }
  };
  dropZone.addEventListener('click', () => cardInput.click());
  dropZone.addEventListener('keydown', (e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), cardInput.click()));
  cardInput.addEventListener('change', () => importCard(cardInput.files[0]));
  for (const type of ['dragenter', 'dragover']) dropZone.addEventListener(type, (e) => { e.preventDefault(); dropZone.classList.add('over'); });
  for (const type of ['dragleave', 'drop']) dropZone.addEventListener(type, () => dropZone.classList.remove('over'));
  dropZone.addEventListener('drop', (e) => {
    e.preventDefault();
    importCard(e.dataTransfer.files[0]);
  });
  const generateBtn = h('button', { class: 'btn btn-block', type: 'button' }, icon('sparkle'), t('editor.generate_title'));
  generateBtn.addEventListener('click', async () => {
    const draft = await generateDialog();
    if (draft) {
      fill(draft);
      toast(t('editor.generated'), { type: 'success' });
    }
  });

  // ---------- save ----------
  const banner = formBanner();
  const save = submitButton(editing ? t('common.save') : t('editor.create'), { className: 'btn btn-primary btn-lg' });
  const collect = () => {
    const body = {};
    for (const [name] of TEXT_FIELDS) body[name] = fields[name].input.value;
    body.name = body.name.trim();
    body.tags = tags.value();
    body.alternate_greetings = greetings.value();
    body.content_rating = rating.value();
    body.visibility = visibility.value();
    const book = lore.value();
    if (book || editing) body.lorebook = book;
    return body;
  };
  const snapshot = () => JSON.stringify(collect());
  let savedState = '';
  const form = h('form', { class: 'editor-sections', novalidate: true });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = collect();
    const all = { ...fields, ...extraFields };
    if (!body.name) {
      showFormError(new ApiError(422, 'validation_error', '', [{ field: 'name', message: t('validation.required') }]), all, banner);
      return;
    }
    save.busy(true);
    try {
      let saved = editing ? await patch(`/characters/${character.id}`, body) : await post('/characters', body);
      if (pendingAvatar) {
        try {
          saved = await upload(`/characters/${saved.id}/avatar`, pendingAvatar, { filename: 'avatar.png' });
        } catch (error) {
          toast(errorMessage(error), { type: 'error' });
        }
      }
      toast(editing ? t('editor.saved') : t('editor.created'), { type: 'success' });
      // Saved: leaving now loses nothing, so the way to the character page does not ask.
      savedState = snapshot();
      pendingAvatar = null;
      navigate(`/characters/${saved.id}`);
    } catch (error) {
      showFormError(error, all, banner);
    } finally {
      save.busy(false);
    }
  });

  const card = (title, ...children) => h('section', { class: 'card stack' }, h('h2', { class: 'card-title', text: title }), ...children);
  form.append(
    banner,
    card(
      t('editor.section_basics'),
      h('div', { class: 'form-grid' }, h('div', { class: 'span-2' }, fields.name), h('div', { class: 'span-2' }, fields.tagline), fields.gender, h('div', { class: 'field' }, h('span', { class: 'field-label', text: t('editor.tags') }), tags, h('div', { class: 'field-hint', text: t('editor.tags_hint') }), tagsError)),
      h('div', { class: 'row-wrap', style: { gap: '24px' } }, h('div', { class: 'field' }, h('span', { class: 'field-label', text: t('editor.content_rating') }), rating), h('div', { class: 'field' }, h('span', { class: 'field-label', text: t('editor.visibility') }), visibility)),
      ratingError,
      !user.show_nsfw && h('p', { class: 'field-hint', text: t('editor.nsfw_hint') }),
    ),
    card(t('editor.section_persona'), fields.description, fields.personality, fields.scenario),
    card(t('editor.section_greetings'), fields.greeting, h('div', { class: 'field' }, h('span', { class: 'field-label', text: t('editor.alternate_greetings') }), greetings, greetError)),
    card(t('editor.section_lorebook'), h('p', { class: 'small muted', text: t('editor.lore_hint') }), lore, loreError),
    h('details', { class: 'card' }, h('summary', { class: 'card-title', style: { cursor: 'pointer', marginBottom: 0 } }, t('editor.section_advanced')), h('div', { class: 'stack', style: { marginTop: '16px' } }, fields.example_dialogue, fields.system_prompt, fields.post_history_instructions, fields.creator_notes)),
    h('div', { class: 'sticky-actions form-actions' }, h('a', { class: 'btn btn-ghost', href: editing ? `#/characters/${character.id}` : '#/', text: t('common.cancel') }), save),
  );

  page.append(
    h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: editing ? t('editor.edit_title', { name: character.name }) : t('editor.new_title') }), h('p', { text: t('editor.subtitle') }))),
    h(
      'div',
      { class: 'editor-layout' },
      h(
        'aside',
        { class: 'editor-side' },
        h('div', { class: 'avatar-picker' }, preview, fileInput, h('button', { class: 'btn btn-sm', type: 'button', onclick: () => fileInput.click() }, icon('image'), t('editor.avatar_upload')), h('p', { class: 'field-hint', text: t('editor.avatar_hint') })),
        !editing && h('div', { class: 'stack-sm' }, h('h3', { class: 'small muted', text: t('editor.quick_start') }), dropZone, cardInput, generateBtn),
      ),
      form,
    ),
  );
  if (matchMedia('(hover: hover)').matches) fields.name.input.focus(); // no keyboard jump on phones

  // Unsaved = different from what was loaded (or last saved): Back, a link or a reload ask first.
  savedState = snapshot();
  return watchUnsaved(() => pendingAvatar !== null || snapshot() !== savedState);
}
