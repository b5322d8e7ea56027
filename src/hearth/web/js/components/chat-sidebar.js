// The list of chats: search, pinned first, rename, pin, archive, delete with an undo toast.
// Archived chats leave the list; the Archived filter shows them (and only them).
import { del, errorMessage, get, patch, post } from '../api.js';
import { debounce, h, onDismiss } from '../dom.js';
import { formatDate, formatStamp, t } from '../i18n.js';
import { avatar } from './avatar.js';
import { promptDialog } from './dialog.js';
import { emptyIcon, icon } from './icons.js';
import { plainPreview } from './rich-text.js';
import { toast } from './toast.js';
import { usageMeter } from './usage-meter.js';

function byPinnedThenRecent(a, b) {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  return new Date(b.last_message_at) - new Date(a.last_message_at);
}

/**
 * chatSidebar({activeId, onNavigate}) → element with .refresh(), .upsert(chat), .setActive(id),
 * .refreshUsage()
 */
export function chatSidebar({ activeId = null, onNavigate = () => {}, onDeleted = () => {}, onRestored = () => {} } = {}) {
  let chats = [];
  let cursor = null;
  let query = '';
  let archived = false; // which list is shown: the active chats or the archived ones
  let loading = false;
  let controller = null;

  const list = h('ul', { class: 'chat-items', 'aria-label': t('chat.list_label') });
  const more = h('button', { class: 'btn btn-ghost btn-sm btn-block', type: 'button', text: t('common.load_more'), hidden: true, onclick: () => load(false) });
  // The API takes up to 200 characters; a longer query could only fail.
  const search = h('input', { class: 'input chat-search', type: 'search', maxlength: 200, placeholder: t('chat.search_placeholder'), 'aria-label': t('chat.search_label') });
  const filterButton = (value, label) =>
    h('button', {
      class: 'chat-filter-btn',
      type: 'button',
      'aria-pressed': String(archived === value),
      dataset: { archived: String(value) },
      text: label,
      onclick: () => {
        if (archived === value) return;
        archived = value;
        for (const b of filter.children) b.setAttribute('aria-pressed', String(b.dataset.archived === String(archived)));
        chats = []; // the other list's rows must not linger while this one loads
        load(true);
      },
    });
  const filter = h('div', { class: 'chat-filter', role: 'group', 'aria-label': t('chat.filter_label') });
  filter.append(filterButton(false, t('chat.filter_active')), filterButton(true, t('chat.filter_archived')));
  const meter = usageMeter({ compact: true });
  const root = h(
    'aside',
    { class: 'chat-sidebar', id: 'chat-sidebar', 'aria-label': t('chat.sidebar_label') },
    h('div', { class: 'sidebar-head' }, h('h2', { class: 'sidebar-title', text: t('nav.chats') }), h('a', { class: 'btn btn-sm', href: '#/' }, icon('plus'), t('chat.new_chat'))),
    h('div', { class: 'sidebar-search' }, icon('search', 'icon search-icon'), search),
    filter,
    h('div', { class: 'sidebar-scroll' }, list, more),
    h('div', { class: 'sidebar-foot' }, meter, h('a', { class: 'btn btn-ghost btn-sm btn-block trash-link', href: '#/trash' }, icon('trash'), t('chat.trash'))),
  );

  function item(chat) {
    const name = chat.character?.name || t('chat.unknown_character');
    const menu = h('div', { class: 'menu', role: 'menu', hidden: true });
    let undismiss = null;
    const closeMenu = () => {
      menu.hidden = true;
      if (undismiss) undismiss();
      undismiss = null;
    };
    const menuBtn = h(
      'button',
      {
        class: 'icon-btn sm chat-item-menu',
        type: 'button',
        'aria-label': t('chat.chat_actions', { name: chat.title || name }),
        'aria-haspopup': 'menu',
        onclick: (e) => {
          e.stopPropagation();
          if (!menu.hidden) return closeMenu();
          menu.hidden = false;
          menu.classList.remove('up');
          const box = root.querySelector('.sidebar-scroll').getBoundingClientRect();
          if (menu.getBoundingClientRect().bottom > box.bottom) menu.classList.add('up');
          undismiss = onDismiss(wrap, closeMenu, menuBtn);
          menu.querySelector('button').focus();
        },
      },
      icon('more'),
    );
    const action = (label, ic, run, danger = false) =>
      h('button', { type: 'button', role: 'menuitem', class: danger ? 'danger' : '', onclick: () => { closeMenu(); run(); } }, icon(ic), label);
    menu.append(
      action(chat.pinned ? t('chat.unpin') : t('chat.pin'), 'pin', () => update(chat, { pinned: !chat.pinned })),
      action(t('chat.rename'), 'edit', async () => {
        const title = await promptDialog({ title: t('chat.rename'), label: t('chat.title_label'), value: chat.title || name });
        if (title !== undefined) update(chat, { title });
      }),
      action(chat.archived ? t('chat.unarchive') : t('chat.archive'), 'archive', () => setArchived(chat, !chat.archived)),
      action(t('common.delete'), 'trash', () => remove(chat), true),
    );
    const wrap = h('div', { class: 'menu-wrap' }, menuBtn, menu);
    // Searching, a chat shows where its newest matching message has the words.
    const found = query && chat.match ? plainPreview(chat.match.snippet, 200) : null;
    return h(
      'li',
      { class: `chat-item${chat.id === activeId ? ' active' : ''}`, dataset: { id: chat.id } },
      h(
        'a',
        { href: `#/chats/${chat.id}`, 'aria-current': chat.id === activeId ? 'page' : null, onclick: () => onNavigate(chat.id) },
        avatar(name, chat.character?.avatar_url, { size: 40 }),
        h(
          'div',
          { class: 'chat-item-text' },
          h('div', { class: 'chat-item-top' }, chat.pinned && h('span', { class: 'pin-mark', title: t('chat.pinned') }, icon('pin')), h('span', { class: 'chat-item-title ellipsis', text: chat.title || name }), h('time', { class: 'chat-item-time', datetime: chat.last_message_at, title: formatDate(chat.last_message_at, { dateStyle: 'medium', timeStyle: 'short' }), text: formatStamp(chat.last_message_at) })),
          found
            ? h('div', { class: 'chat-item-preview ellipsis', title: found }, ...highlighted(found, query))
            : h('div', { class: 'chat-item-preview ellipsis', text: plainPreview(chat.last_message?.content || '', 80) || '\u00a0' }),
        ),
      ),
      wrap,
    );
  }

  /** `text` with each occurrence of `words` (letter case aside) marked. */
  function highlighted(text, words) {
    const pattern = new RegExp(words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
    const parts = [];
    let at = 0;
    for (const found of text.matchAll(pattern)) {
      parts.push(text.slice(at, found.index), h('mark', { text: found[0] }));
      at = found.index + found[0].length;
    }
    parts.push(text.slice(at));
    return parts;
  }

  function render() {
    chats.sort(byPinnedThenRecent);
    list.replaceChildren(...chats.map(item));
    if (!chats.length && !loading) {
      list.append(h('li', { class: 'empty small' }, emptyIcon('chat'), h('p', { text: query ? t('chat.no_matches') : archived ? t('chat.no_archived') : t('chat.no_chats') }), !query && !archived && h('a', { class: 'btn btn-primary btn-sm', href: '#/', text: t('chat.browse') })));
    }
    more.hidden = !cursor;
  }

  async function load(reset = true) {
    if (controller) controller.abort();
    controller = new AbortController();
    loading = true;
    if (reset) {
      cursor = null;
      if (!chats.length) list.replaceChildren(h('li', { class: 'loading' }, h('span', { class: 'spinner' })));
    }
    try {
      const page = await get('/chats', { q: query || undefined, archived, cursor: reset ? undefined : cursor, limit: 30 }, { signal: controller.signal });
      chats = reset ? page.items : [...chats, ...page.items];
      cursor = page.next_cursor;
      loading = false;
      render();
    } catch (error) {
      loading = false;
      if (error.name === 'AbortError') return;
      list.replaceChildren(h('li', { class: 'empty small' }, h('p', { text: errorMessage(error) }), h('button', { class: 'btn btn-sm', type: 'button', text: t('common.retry'), onclick: () => load(true) })));
    }
  }

  async function update(chat, body) {
    try {
      const updated = await patch(`/chats/${chat.id}`, body);
      Object.assign(chat, updated, { character: chat.character, last_message: chat.last_message });
      render();
      root.dispatchEvent(new CustomEvent('chat-updated', { detail: chat }));
      return true;
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
      return false;
    }
  }

  /** Archive or bring back: the chat leaves the list on show, with an undo. */
  async function setArchived(chat, value) {
    if (!(await update(chat, { archived: value }))) return;
    if (chat.archived !== archived) {
      chats = chats.filter((c) => c !== chat);
      render();
    }
    toast(value ? t('chat.archived_done') : t('chat.unarchived_done'), {
      type: 'success',
      timeout: 6000,
      action: {
        label: t('common.undo'),
        run: async () => {
          if ((await update(chat, { archived: !value })) && chat.archived === archived && !chats.includes(chat)) {
            chats.push(chat);
            render();
          }
        },
      },
    });
  }

  async function remove(chat) {
    const index = chats.indexOf(chat);
    chats = chats.filter((c) => c !== chat);
    render();
    try {
      await del(`/chats/${chat.id}`);
    } catch (error) {
      chats.splice(index, 0, chat);
      render();
      toast(errorMessage(error), { type: 'error' });
      return;
    }
    onDeleted(chat);
    toast(t('chat.deleted'), {
      timeout: 6000,
      action: {
        label: t('common.undo'),
        run: async () => {
          try {
            await post(`/chats/${chat.id}/restore`);
            chats.push(chat);
            render();
            toast(t('chat.restored'), { type: 'success' });
            onRestored(chat);
          } catch (error) {
            toast(errorMessage(error), { type: 'error' });
          }
        },
      },
    });
  }

  search.addEventListener('input', debounce(() => {
    query = search.value.trim();
    load(true);
  }, 250));

  root.refresh = () => load(true);
  root.setActive = (id) => {
    activeId = id;
    render();
  };
  /** Keep the list current when the open chat changes (new message, rename). */
  root.upsert = (chat) => {
    const existing = chats.find((c) => c.id === chat.id);
    if (!existing) {
      load(true); // not in the loaded page: fetch the list with its summaries
      return;
    }
    Object.assign(existing, Object.fromEntries(Object.entries(chat).filter(([, v]) => v !== undefined)));
    render();
  };
  root.refreshUsage = () => meter.refresh?.();
  root.cleanup = () => controller && controller.abort();
  load(true);
  return root;
}
