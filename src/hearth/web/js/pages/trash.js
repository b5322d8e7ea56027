// Deleted chats: restore one to bring it back to the list, or delete it for good (the
// server does so by itself 30 days after it was trashed).
import { del, errorMessage, get, post } from '../api.js';
import { h } from '../dom.js';
import { formatDate, formatRelative, t } from '../i18n.js';
import { navigate } from '../router.js';
import { avatar } from '../components/avatar.js';
import { confirmDialog } from '../components/dialog.js';
import { emptyIcon, icon } from '../components/icons.js';
import { toast } from '../components/toast.js';

export default async function mount(root) {
  document.title = `${t('chat.trash')} · Hearth`;
  const list = h('ul', { class: 'trash-list stack-sm' });
  const more = h('button', { class: 'btn btn-ghost btn-block', type: 'button', text: t('common.load_more'), hidden: true });
  const box = h('div', {}, h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
  root.append(h('div', { class: 'page page-narrow' }, h('div', { class: 'page-head' }, h('h1', { text: t('chat.trash') }), h('a', { class: 'btn btn-sm', href: '#/chats' }, icon('chat'), t('nav.chats'))), h('p', { class: 'muted', text: t('chat.trash_hint') }), box));
  let cursor = null;
  const empty = () => h('div', { class: 'empty' }, emptyIcon('trash'), h('h3', { text: t('chat.trash_empty') }));
  const item = (chat) => {
    const name = chat.character?.name || t('chat.unknown_character');
    const li = h(
      'li',
      { class: 'card trash-item', 'data-id': chat.id },
      avatar(name, chat.character?.avatar_url, { size: 40 }),
      h(
        'div',
        { class: 'grow', style: { minWidth: '0' } },
        h('div', { class: 'ellipsis', text: chat.title || name }),
        h('div', { class: 'small muted', text: [t('chat.deleted_when', { when: formatRelative(chat.deleted_at || chat.last_message_at) }), chat.purge_at && t('chat.purge_on', { date: formatDate(chat.purge_at, { day: 'numeric', month: 'short' }) })].filter(Boolean).join(' · ') }),
      ),
      h('button', {
        class: 'btn btn-sm btn-danger delete-forever',
        type: 'button',
        text: t('chat.delete_forever'),
        onclick: async () => {
          const ok = await confirmDialog({ title: t('chat.delete_forever_title'), text: t('chat.delete_forever_text'), confirm: t('chat.delete_forever'), danger: true });
          if (!ok) return;
          try {
            await del(`/chats/${chat.id}`, { permanent: true });
            li.remove();
            if (!list.childElementCount && !cursor) box.replaceChildren(empty(), more);
            toast(t('chat.deleted_forever'), { type: 'success' });
          } catch (error) {
            toast(errorMessage(error), { type: 'error' });
          }
        },
      }),
      h('button', {
        class: 'btn btn-sm btn-primary restore',
        type: 'button',
        text: t('chat.restore'),
        onclick: async () => {
          try {
            await post(`/chats/${chat.id}/restore`);
            toast(t('chat.restored'), { type: 'success' });
            navigate(`/chats/${chat.id}`);
          } catch (error) {
            toast(errorMessage(error), { type: 'error' });
          }
        },
      }),
    );
    return li;
  };
  const load = async () => {
    const page = await get('/chats', { trashed: true, cursor: cursor || undefined, limit: 20 });
    list.append(...page.items.map(item));
    cursor = page.next_cursor;
    more.hidden = !cursor;
  };
  more.addEventListener('click', () => load().catch((error) => toast(errorMessage(error), { type: 'error' })));
  try {
    await load();
    box.replaceChildren(list.childElementCount ? list : empty(), more);
  } catch (error) {
    box.replaceChildren(h('div', { class: 'alert alert-error', text: errorMessage(error) }));
  }
}
