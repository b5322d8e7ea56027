// The chat's extra tools: author's note, prompt inspector, chat import, impersonation, and the
// per-message hide / rate / branch actions.
import { ApiError, api, errorMessage, get, post, put } from '../api.js';
import { h } from '../dom.js';
import { formatNumber, has, t } from '../i18n.js';
import { openDialog } from './dialog.js';
import { field, formBanner, showFormError, submitButton } from './form.js';
import { navigate } from '../router.js';
import { menuButton } from './menu.js';
import { toast } from './toast.js';

/** Edit the chat's author's note; resolves to the saved note, or undefined when cancelled. */
export function authorNoteDialog(chat) {
  const note = chat.author_note || { text: '', depth: 4, frequency: 1 };
  return openDialog((dialog, close) => {
    const fields = {
      text: field({ name: 'text', label: t('chat.note_text'), multiline: true, rows: 5, max: 10000, value: note.text, hint: t('chat.note_hint'), span: true }),
      depth: field({ name: 'depth', label: t('chat.note_depth'), type: 'number', minValue: 0, maxValue: 100, inputmode: 'numeric', value: note.depth, hint: t('chat.note_depth_hint') }),
      frequency: field({ name: 'frequency', label: t('chat.note_frequency'), type: 'number', minValue: 0, maxValue: 100, inputmode: 'numeric', value: note.frequency, hint: t('chat.note_frequency_hint') }),
    };
    const banner = formBanner();
    const button = submitButton(t('common.save'));
    const form = h(
      'form',
      { class: 'stack author-note-form', novalidate: true },
      h('h2', { text: t('chat.author_note') }),
      h('div', { class: 'form-grid' }, fields.text, fields.depth, fields.frequency),
      banner,
      h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(undefined) }), button),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.busy(true);
      try {
        // An empty number is left out, so the server's default applies: 0 would mean "never".
        const body = { text: fields.text.input.value };
        for (const name of ['depth', 'frequency']) {
          const value = fields[name].input.value.trim();
          if (value !== '') body[name] = Number(value);
        }
        const saved = await put(`/chats/${chat.id}/author-note`, body);
        toast(t('chat.note_saved'), { type: 'success' });
        close(saved);
      } catch (error) {
        showFormError(error, fields, banner);
      } finally {
        button.busy(false);
      }
    });
    dialog.append(form);
  }, { wide: true, label: t('chat.author_note') });
}

/** A prompt part's or role's name in the UI's language; one the UI does not know stays as sent. */
function promptLabel(kind, name) {
  return has(`chat.prompt_${kind}_${name}`) ? t(`chat.prompt_${kind}_${name}`) : name;
}

/** The exact prompt behind a reply: its parts with token counts, then the messages. */
export async function promptInspector(chatId, messageId) {
  let data;
  try {
    data = await get(`/chats/${chatId}/messages/${messageId}/prompt`);
  } catch (error) {
    toast(errorMessage(error), { type: 'error' });
    return;
  }
  const max = Math.max(1, ...data.parts.map((p) => p.tokens));
  await openDialog((dialog, close) => {
    dialog.append(
      h('h2', { text: t('chat.prompt_title') }),
      h('p', { class: 'small muted', text: t('chat.prompt_total', { tokens: formatNumber(data.total_tokens, {}), model: data.model || '—' }) }),
      h(
        'ul',
        { class: 'prompt-parts' },
        data.parts.map((p) => h('li', {}, h('span', { class: 'prompt-part-name', text: promptLabel('part', p.name) }), h('span', { class: 'prompt-part-bar' }, h('span', { style: { width: `${(100 * p.tokens) / max}%` } })), h('span', { class: 'prompt-part-tokens', text: formatNumber(p.tokens, {}) }))),
      ),
      h('details', { class: 'prompt-messages' }, h('summary', { text: t('chat.prompt_messages', { count: data.messages.length }) }), data.messages.map((m) => h('div', { class: 'prompt-message' }, h('b', { text: promptLabel('role', m.role) }), m.changed ? h('p', { class: 'small muted prompt-changed', text: t(`chat.prompt_${m.changed}`) }) : null, h('pre', { text: m.content })))),
      h('div', { class: 'form-actions' }, h('button', { class: 'btn', type: 'button', text: t('common.close'), onclick: () => close() })),
    );
  }, { wide: true, label: t('chat.prompt_title') });
}

/** Import a SillyTavern chat (.jsonl) with this character; resolves to the new chat. */
export function importChatDialog(characterId) {
  return openDialog((dialog, close) => {
    const input = h('input', { class: 'input', type: 'file', name: 'file', accept: '.jsonl,application/x-ndjson,application/jsonl,text/plain', 'aria-label': t('chat.import_file') });
    const banner = formBanner();
    const button = submitButton(t('chat.import_go'));
    const form = h(
      'form',
      { class: 'stack import-chat-form', novalidate: true },
      h('h2', { text: t('chat.import_title') }),
      h('p', { class: 'small muted', text: t('chat.import_hint') }),
      h('label', { class: 'field' }, h('span', { class: 'field-label', text: t('chat.import_file') }), input),
      banner,
      h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(undefined) }), button),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const file = input.files?.[0];
      if (!file) {
        banner.replaceChildren(h('div', { class: 'alert alert-error', role: 'alert', text: t('chat.import_pick') }));
        return;
      }
      const body = new FormData();
      body.append('file', file, file.name || 'chat.jsonl');
      body.append('character_id', characterId);
      button.busy(true);
      try {
        const chat = await api('POST', '/chats/import', { form: body });
        toast(t('chat.imported'), { type: 'success' });
        close(chat);
      } catch (error) {
        // The server says why the file was refused ("Line 3 is not JSON."): that is the useful part.
        const reason = error instanceof ApiError && Array.isArray(error.details) ? error.details.find((d) => d?.field === 'file' && d.message)?.message : null;
        if (reason) banner.replaceChildren(h('div', { class: 'alert alert-error', role: 'alert', text: reason }));
        else showFormError(error, {}, banner);
      } finally {
        button.busy(false);
      }
    });
    dialog.append(form);
  }, { label: t('chat.import_title') });
}

/** The model drafts the user's next message; resolves to the text (nothing is sent). */
export async function impersonate(chatId, { signal } = {}) {
  const draft = await post(`/chats/${chatId}/impersonate`, undefined, { signal });
  return draft.content || '';
}

/**
 * The chat header's tools menu. opts: {chat() → the current chat, noteSaved(note), character,
 * composer (the message box), busy() → true while a reply is being written, drafted() → called
 * when a drafted reply ends, whatever its outcome}.
 */
export function chatToolsMenu({ chat, noteSaved, character, composer, busy, drafted = () => {} }) {
  const editNote = async () => {
    const note = await authorNoteDialog(chat());
    if (note) noteSaved(note);
  };
  const draftReply = async () => {
    if (busy()) return;
    const placeholder = composer.input.placeholder;
    // The composer shows Stop while busy: here it must cancel the draft, not a reply.
    const controller = new AbortController();
    composer.setBusy(true, { onStop: () => controller.abort() });
    composer.input.placeholder = t('chat.impersonating');
    try {
      composer.input.value = await impersonate(chat().id, { signal: controller.signal });
      composer.input.dispatchEvent(new Event('input'));
      composer.focus();
    } catch (error) {
      if (error.name !== 'AbortError') toast(errorMessage(error), { type: 'error' });
    } finally {
      composer.input.placeholder = placeholder;
      composer.setBusy(false);
      drafted();
    }
  };
  const importChat = async () => {
    const imported = await importChatDialog(character.id);
    if (imported) navigate(`/chats/${imported.id}`);
  };
  const menu = menuButton(t('chat.tools'), 'settings', [
    { label: t('chat.author_note'), icon: 'book', run: editNote },
    { label: t('chat.impersonate'), icon: 'sparkle', run: draftReply },
    { label: t('chat.import'), icon: 'upload', run: importChat },
    'sep',
    { label: t('chat.trash'), icon: 'trash', href: '/trash' },
  ]);
  menu.classList.add('chat-tools-menu');
  return menu;
}

/** hide / rate / branch / inspect for messageView; replaced(message) gets the stored message. */
export function messageTools(chatId, replaced) {
  const change = async (message, path, body) => {
    try {
      replaced(await put(`/chats/${chatId}/messages/${message.id}/${path}`, body));
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
    }
  };
  return {
    hide: (message, hidden) => change(message, 'hidden', { hidden }),
    rate: (message, rating) => change(message, 'rating', { rating }),
    inspect: (message) => promptInspector(chatId, message.id),
    branch: async (message) => {
      try {
        const branched = await post(`/chats/${chatId}/branch`, { message_id: message.id });
        toast(t('chat.branched'), { type: 'success' });
        navigate(`/chats/${branched.id}`);
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
      }
    },
  };
}
