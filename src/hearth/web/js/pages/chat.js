// The chat: sidebar of chats, the conversation, streaming replies, swipes, model & persona.
import { del, download, errorMessage, get, patch, put } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { getState, loadDraft, saveDraft, setState } from '../store.js';
import { navigate } from '../router.js';
import { avatar } from '../components/avatar.js';
import { chatSidebar } from '../components/chat-sidebar.js';
import { chatToolsMenu, messageTools } from '../components/chat-tools.js';
import { composer } from '../components/composer.js';
import { confirmDialog } from '../components/dialog.js';
import { emptyIcon, icon } from '../components/icons.js';
import { menuButton } from '../components/menu.js';
import { messageView } from '../components/message-view.js';
import { reportDialog } from '../components/report-dialog.js';
import { toast } from '../components/toast.js';
import { GenerationStream } from '../chat-stream.js';

const STICK_THRESHOLD = 80;

async function models() {
  if (!getState().models) {
    try {
      setState({ models: await get('/models') });
    } catch {
      setState({ models: [] });
    }
  }
  return getState().models;
}

function byTime(a, b) {
  return a.created_at === b.created_at ? String(a.id).localeCompare(String(b.id)) : new Date(a.created_at) - new Date(b.created_at);
}

export default async function mount(root, { params }) {
  document.title = `${t('nav.chats')} · Hearth`;
  const chatId = params.id || null;
  const user = getState().user;
  const layout = h('div', { class: `chat-layout${chatId ? ' has-chat' : ''}` });
  const scrim = h('div', { class: 'drawer-scrim', onclick: () => layout.classList.remove('drawer-open') });
  const sidebar = chatSidebar({
    activeId: chatId,
    onNavigate: () => layout.classList.remove('drawer-open'),
    onDeleted: (chat) => {
      if (chat.id === chatId) navigate('/chats');
    },
    // Deleting the open chat left it for the list, whose page has its own sidebar by now.
    onRestored: (chat) => {
      if (chat.id === chatId) navigate(`/chats/${chat.id}`);
    },
  });
  layout.append(sidebar, scrim);
  root.append(layout);
  const cleanups = [() => sidebar.cleanup()];
  const cleanup = () => cleanups.forEach((fn) => fn());

  if (!chatId) {
    layout.append(h('section', { class: 'chat-main chat-empty' }, h('div', { class: 'empty' }, emptyIcon('chat'), h('h3', { text: t('chat.pick_title') }), h('p', { text: t('chat.pick_text') }), h('a', { class: 'btn btn-primary', href: '#/' }, icon('search'), t('chat.browse')))));
    return cleanup;
  }

  const main = h('section', { class: 'chat-main', 'aria-label': t('chat.conversation') }, h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
  layout.append(main);

  let chat;
  let character;
  let personas = [];
  try {
    [chat, personas] = await Promise.all([get(`/chats/${chatId}`), get('/me/personas').catch(() => [])]);
    character = await get(`/characters/${chat.character_id}`).catch(() => ({ ...(chat.character || {}), id: chat.character_id, name: chat.character?.name || t('chat.unknown_character') }));
  } catch (error) {
    main.replaceChildren(h('div', { class: 'empty' }, emptyIcon('alert'), h('h3', { text: errorMessage(error) }), h('a', { class: 'btn', href: '#/chats', text: t('nav.chats') })));
    return cleanup;
  }
  document.title = `${chat.title || character.name} · Hearth`;

  // ---------- state ----------
  let messages = [];
  let olderCursor = null;
  const views = new Map(); // message id -> element
  let stick = true;
  let active = null; // the running GenerationStream

  const persona = () => personas.find((p) => p.id === chat.persona_id) || personas.find((p) => p.is_default) || null;
  const ctx = {
    character,
    userName: () => persona()?.name || user.display_name || user.username,
    userAvatar: () => user.avatar_url,
    macros: () => ({ char: character.name, user: persona()?.name || user.display_name || user.username }),
    actions: {},
  };

  // ---------- layout ----------
  const list = h('div', { class: 'msg-list', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions' });
  const scroller = h('div', { class: 'msg-scroll' }, h('div', { class: 'msg-older' }), list);
  const jump = h('button', { class: 'jump-bottom', type: 'button', hidden: true, 'aria-label': t('chat.jump_bottom'), onclick: () => scrollToBottom(true) }, icon('down'));
  const box = composer({
    onSend: send,
    onStop: stop,
    draft: loadDraft(chat.id),
    onDraft: (text) => saveDraft(chat.id, text),
    placeholder: t('chat.placeholder_to', { name: character.name }),
  });

  const modelSelect = h('select', { class: 'select select-sm model-select', 'aria-label': t('chat.model'), title: t('chat.model') });
  const demoBadge = h('span', { class: 'badge badge-warning demo-badge', hidden: true, title: t('chat.demo_hint'), text: t('chat.demo_badge') });
  const personaSelect = h(
    'select',
    { class: 'select select-sm persona-select', 'aria-label': t('chat.persona') },
    // No persona chosen means the default one, where there is one, as the messages say.
    h('option', { value: '', text: t('chat.persona_default', { name: personas.find((p) => p.is_default)?.name || user.display_name || user.username }) }),
    personas.map((p) => h('option', { value: p.id, text: p.name, selected: p.id === chat.persona_id })),
  );
  personaSelect.addEventListener('change', async () => {
    try {
      chat = { ...chat, ...(await patch(`/chats/${chat.id}`, { persona_id: personaSelect.value || null })) };
      redrawAll();
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
    }
  });
  modelSelect.addEventListener('change', async () => {
    try {
      chat = { ...chat, ...(await patch(`/chats/${chat.id}`, { model: modelSelect.value || null })) };
      updateDemoBadge();
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
    }
  });

  const exportAs = (format) => () =>
    download(`/chats/${chat.id}/export`, { format }, `chat.${format}`).catch((e) => toast(errorMessage(e), { type: 'error' }));
  const exportMenu = menuButton(t('chat.export'), 'download', [
    { label: t('chat.export_md'), icon: 'book', run: exportAs('md') },
    { label: t('chat.export_jsonl'), icon: 'download', run: exportAs('jsonl') },
  ]);
  const toolsMenu = chatToolsMenu({
    chat: () => chat,
    noteSaved: (note) => {
      chat = { ...chat, author_note: note };
    },
    character,
    composer: box,
    busy: () => Boolean(active),
    drafted: () => sidebar.refreshUsage(),
  });
  const header = h(
    'header',
    { class: 'chat-head' },
    h('button', { class: 'icon-btn drawer-toggle', type: 'button', 'aria-label': t('chat.open_list'), 'aria-controls': 'chat-sidebar', onclick: () => layout.classList.toggle('drawer-open') }, icon('chat')),
    h('a', { class: 'chat-head-char', href: `#/characters/${character.id}` }, avatar(character.name, character.avatar_url, { size: 36 }), h('div', { class: 'grow' }, h('div', { class: 'chat-head-name ellipsis', text: chat.title || character.name }), h('div', { class: 'chat-head-sub ellipsis', text: character.tagline || '' }))),
    // The badge sits outside the controls: on a phone they get a row of their own, and every
    // pixel of it goes to the two selects.
    demoBadge,
    h('div', { class: 'chat-head-controls' }, modelSelect, personaSelect, exportMenu, toolsMenu),
  );
  main.replaceChildren(header, h('div', { class: 'msg-viewport' }, scroller, jump), box);
  box.input.disabled = true; // until the history is in: a message sent earlier would be drawn over

  function updateDemoBadge() {
    const all = getState().models || [];
    const current = all.find((m) => m.id === modelSelect.value) || all.find((m) => m.id === chat.model);
    // With no model chosen the server's default serves; when only the demo can, that is it.
    const onlyDemo = all.length > 0 && all.every((m) => m.is_demo || m.available === false);
    demoBadge.hidden = !(current?.is_demo || String(modelSelect.value).startsWith('demo/') || (!modelSelect.value && onlyDemo));
  }

  // "Модель по умолчанию" does not fit half a phone's width; there the select's label says "model".
  const narrow = matchMedia('(max-width: 860px)');
  const defaultLabel = () => (narrow.matches ? t('chat.model_default_short') : t('chat.model_default'));
  const relabel = () => {
    if (modelSelect.options[0]) modelSelect.options[0].text = defaultLabel();
  };
  narrow.addEventListener('change', relabel);
  cleanups.push(() => narrow.removeEventListener('change', relabel));
  models().then((all) => {
    const options = [h('option', { value: '', text: defaultLabel() })];
    for (const m of all) {
      const label = m.is_demo ? t('chat.demo_label') : m.label || m.id;
      options.push(h('option', { value: m.id, text: label, disabled: m.available === false, selected: m.id === chat.model }));
    }
    if (chat.model && !all.some((m) => m.id === chat.model)) options.push(h('option', { value: chat.model, text: chat.model, selected: true }));
    modelSelect.replaceChildren(...options);
    if (!chat.model && all.length === 1) modelSelect.value = '';
    updateDemoBadge();
  });

  // ---------- scrolling ----------
  scroller.addEventListener('scroll', () => {
    stick = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_THRESHOLD;
    jump.hidden = stick;
    if (scroller.scrollTop < 200 && olderCursor && !loadingOlder) loadOlder();
  }, { passive: true });
  function scrollToBottom(force = false) {
    if (force || stick) {
      scroller.scrollTop = scroller.scrollHeight;
      stick = true;
      jump.hidden = true;
    }
  }

  // ---------- rendering ----------
  function optsFor(message) {
    const isFirst = message === messages[0] && !olderCursor;
    const index = messages.indexOf(message);
    const isNewest = index === messages.length - 1;
    return { isLast: isNewest && message.role === 'assistant', isFirst, isNewest, hasFollowing: index >= 0 && !isNewest, busy: Boolean(active) };
  }
  function dropViews(gone) {
    for (const message of gone) {
      views.get(message.id)?.remove();
      views.delete(message.id);
    }
  }
  function viewFor(message) {
    let view = views.get(message.id);
    if (!view) {
      view = messageView(message, ctx);
      views.set(message.id, view);
    }
    return view;
  }
  function redrawAll() {
    list.replaceChildren(...messages.map((m) => {
      const view = viewFor(m);
      view.update(m, optsFor(m));
      return view;
    }));
  }
  function refresh(message) {
    const view = views.get(message.id);
    if (view) view.update(message, optsFor(message));
  }
  function refreshTail() {
    for (const m of messages.slice(-3)) refresh(m);
  }
  function replaceMessage(oldId, next) {
    const index = messages.findIndex((m) => m.id === oldId);
    if (index < 0) return;
    const view = views.get(oldId);
    views.delete(oldId);
    messages[index] = next;
    if (view) {
      views.set(next.id, view);
      view.update(next, optsFor(next));
    }
  }
  function addMessage(message) {
    messages.push(message);
    const view = viewFor(message);
    list.append(view);
    refreshTail();
  }
  function setBusy(on) {
    box.setBusy(on);
    refreshTail();
  }

  // ---------- loading ----------
  let loadingOlder = false;
  async function loadOlder() {
    loadingOlder = true;
    const before = scroller.scrollHeight;
    try {
      const page = await get(`/chats/${chat.id}/messages`, { before: olderCursor, limit: 40 });
      olderCursor = page.next_cursor;
      const older = page.items.filter((m) => !views.has(m.id)).sort(byTime);
      messages = [...older, ...messages];
      list.prepend(...older.map((m) => {
        const v = viewFor(m);
        v.update(m, optsFor(m));
        return v;
      }));
      scroller.scrollTop += scroller.scrollHeight - before;
    } catch {
      /* scrolling up again retries */
    } finally {
      loadingOlder = false;
    }
  }

  try {
    const page = await get(`/chats/${chat.id}/messages`, { limit: 40 });
    messages = page.items.sort(byTime);
    olderCursor = page.next_cursor;
  } catch (error) {
    list.append(h('div', { class: 'alert alert-error', text: errorMessage(error) }));
  }
  redrawAll();
  box.input.disabled = false;
  requestAnimationFrame(() => scrollToBottom(true));

  /** The newest page again, as the server has it: after another tab (or a lost stream) changed it. */
  async function resync() {
    try {
      const [fresh, page] = await Promise.all([get(`/chats/${chat.id}`), get(`/chats/${chat.id}/messages`, { limit: 40 })]);
      chat = { ...chat, ...fresh };
      views.clear();
      messages = page.items.sort(byTime);
      olderCursor = page.next_cursor;
      redrawAll();
      scrollToBottom(true);
      attachRunning();
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
    }
  }

  /** Follow a reply the server is writing (begun before the page loaded, or in another tab). */
  function attachRunning() {
    if (active) return;
    const running = (chat.generating_message_id && messages.find((m) => m.id === chat.generating_message_id)) || messages.find((m) => m.status === 'streaming');
    if (running) track(new GenerationStream(chat.id, streamHandlers)).attach(running);
  }

  /** A request refused because a reply is still being written: show that reply, with its Stop. */
  function afterRefusal(stream) {
    if (stream.refusal?.code === 'generation_in_progress') resync();
  }

  /** The messages the server has after `message`, in order; null when it has not that one. */
  async function newerThan(message) {
    const newer = [];
    let before;
    for (;;) {
      const page = await get(`/chats/${chat.id}/messages`, { before, limit: 100 });
      const index = page.items.findIndex((m) => m.id === message.id);
      if (index >= 0) return [...newer, ...page.items.slice(0, index)].sort(byTime);
      newer.push(...page.items);
      if (!page.next_cursor) return null;
      before = page.next_cursor;
    }
  }

  // ---------- generations ----------
  function track(stream) {
    active = stream;
    setBusy(true);
    stream.done.finally(() => {
      if (active === stream) active = null;
      setBusy(false);
      // Units were spent (or a send was refused for want of them): the meter shows it now.
      sidebar.refreshUsage();
      // A refused send (409, 429) stored nothing: the list keeps its last message and time.
      const last = messages[messages.length - 1];
      if (last && !String(last.id).startsWith('tmp-')) {
        sidebar.upsert({ id: chat.id, last_message: last, last_message_at: new Date().toISOString() });
      }
    });
    return stream;
  }

  const streamHandlers = {
    onUserMessage: (tempId, stored) => replaceMessage(tempId, stored),
    onStart: (oldId, message) => {
      const view = views.get(oldId);
      if (view && oldId !== message.id) {
        views.delete(oldId);
        views.set(message.id, view);
      }
      refresh(message);
      scrollToBottom();
    },
    onChange: (message) => {
      refresh(message);
      scrollToBottom();
    },
    onEnd: (message) => {
      refresh(message);
      refreshTail();
      scrollToBottom();
    },
  };

  async function send(text) {
    if (active) return;
    const now = new Date().toISOString();
    const tempUser = { id: `tmp-u-${Date.now()}`, role: 'user', content: text, status: 'complete', swipes: [text], swipe_index: 0, created_at: now };
    const tempAi = { id: `tmp-a-${Date.now()}`, role: 'assistant', content: '', status: 'streaming', swipes: [''], swipe_index: 0, created_at: now };
    addMessage(tempUser);
    addMessage(tempAi);
    scrollToBottom(true);
    const stream = track(new GenerationStream(chat.id, streamHandlers));
    const ok = await stream.send(text, tempUser, tempAi);
    if (!ok) {
      // Nothing was stored: take the bubbles back and give the text back.
      for (const temp of [tempUser, tempAi]) {
        if (!String(temp.id).startsWith('tmp-') || !messages.includes(temp)) continue;
        messages = messages.filter((m) => m !== temp);
        views.get(temp.id)?.remove();
        views.delete(temp.id);
      }
      box.restore(text);
      refreshTail();
      afterRefusal(stream);
    }
  }

  async function rerun(message, mode) {
    if (active) return;
    const stream = track(new GenerationStream(chat.id, streamHandlers));
    const running = stream.rerun(message, mode);
    refresh(message);
    await running;
    afterRefusal(stream);
  }

  /** The character's reply to the user's latest message, which has none. */
  async function answer(userMessage) {
    if (active) return;
    const tempAi = { id: `tmp-a-${Date.now()}`, role: 'assistant', content: '', status: 'streaming', swipes: [''], swipe_index: 0, created_at: new Date().toISOString() };
    addMessage(tempAi);
    scrollToBottom(true);
    const stream = track(new GenerationStream(chat.id, streamHandlers));
    if (!(await stream.answer(userMessage, tempAi))) {
      if (String(tempAi.id).startsWith('tmp-')) {
        messages = messages.filter((m) => m !== tempAi);
        dropViews([tempAi]);
      }
      refreshTail();
      afterRefusal(stream);
    }
  }

  async function stop() {
    if (active) await active.stop();
  }

  ctx.actions = {
    copy: async (message) => {
      try {
        await navigator.clipboard.writeText(message.content);
        toast(t('chat.copied'), { type: 'success', timeout: 1500 });
      } catch {
        toast(t('chat.copy_failed'), { type: 'error' });
      }
    },
    edit: async (message, content) => {
      try {
        const updated = await patch(`/chats/${chat.id}/messages/${message.id}`, { content });
        const index = messages.indexOf(message);
        if (index >= 0) messages[index] = updated;
        return updated;
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
        return null;
      }
    },
    remove: async (message) => {
      const ok = await confirmDialog({ title: t('chat.delete_message_title'), text: t('chat.delete_message_text'), confirm: t('common.delete'), danger: true });
      if (!ok) return;
      try {
        await del(`/chats/${chat.id}/messages/${message.id}`);
        messages = messages.filter((m) => m !== message);
        dropViews([message]);
        refreshTail();
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
      }
    },
    // The count comes from the server, not this tab: another tab may have added messages since.
    removeFrom: async (message) => {
      let following;
      try {
        following = await newerThan(message);
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
        return;
      }
      if (following === null) {
        toast(t('errors.message_not_found'), { type: 'error' });
        resync();
        return;
      }
      // Show what is about to go before asking.
      const index = messages.indexOf(message);
      dropViews(messages.slice(index + 1));
      messages = [...messages.slice(0, index + 1), ...following];
      redrawAll();
      const ok = await confirmDialog({ title: t('chat.delete_message_title'), text: following.length ? t('chat.delete_message_cascade', { count: following.length }) : t('chat.delete_message_text'), confirm: t('common.delete'), danger: true });
      if (!ok) return;
      try {
        await del(`/chats/${chat.id}/messages/${message.id}`, following.length ? { cascade: true } : undefined);
        const at = messages.indexOf(message);
        dropViews(messages.slice(at));
        messages = messages.slice(0, at);
        refreshTail();
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
      }
    },
    reply: (message) => answer(message),
    report: (message) => reportDialog('message', message.id),
    ...messageTools(chat.id, (updated) => replaceMessage(updated.id, updated)),
    regenerate: (message) => rerun(message, 'regenerate'),
    continue: (message) => rerun(message, 'continue'),
    retry: (message) => rerun(message, 'regenerate'),
    swipe: async (message, index) => {
      try {
        const updated = await put(`/chats/${chat.id}/messages/${message.id}/swipe`, { index });
        replaceMessage(message.id, updated);
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
      }
    },
  };

  // A reply still being written when the page (re)loaded: attach and keep streaming.
  attachRunning();
  if (matchMedia('(hover: hover)').matches) box.focus(); // no keyboard popping up on phones

  sidebar.addEventListener('chat-updated', (event) => {
    if (event.detail.id === chat.id) {
      chat = { ...chat, ...event.detail };
      header.querySelector('.chat-head-name').textContent = chat.title || character.name;
      document.title = `${chat.title || character.name} · Hearth`;
    }
  });
  const onKey = (event) => {
    if (event.key === 'Escape' && layout.classList.contains('drawer-open')) layout.classList.remove('drawer-open');
  };
  document.addEventListener('keydown', onKey);
  cleanups.push(() => {
    document.removeEventListener('keydown', onKey);
    if (active) active.detach();
  });
  return cleanup;
}
