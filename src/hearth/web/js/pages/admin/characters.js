// Admin characters: every character (private and blocked too), block / unblock.
import { errorMessage, get, post } from '../../api.js';
import { debounce, h } from '../../dom.js';
import { formatDate, formatNumber, t } from '../../i18n.js';
import { confirmDialog } from '../../components/dialog.js';
import { toast } from '../../components/toast.js';
import { pagedRows, statusBadge, table } from './common.js';

export default async function charactersSection(box) {
  const search = h('input', { class: 'input', type: 'search', placeholder: t('admin.search_characters'), 'aria-label': t('admin.search_characters') });
  const tbody = h('tbody');
  const more = h('button', { class: 'btn btn-ghost btn-block', type: 'button', text: t('common.load_more'), hidden: true });
  const row = (c) => {
    const toggle = h('button', { class: `btn btn-sm ${c.is_blocked ? '' : 'btn-danger'}`, type: 'button', text: c.is_blocked ? t('admin.unblock') : t('admin.block') });
    toggle.addEventListener('click', async () => {
      // Blocking hides the character from everyone at once: ask first. Unblocking is harmless.
      if (!c.is_blocked && !(await confirmDialog({ title: t('admin.block_character_title', { name: c.name }), text: t('admin.block_character_text'), confirm: t('admin.block'), danger: true }))) return;
      try {
        const updated = await post(`/admin/characters/${c.id}/${c.is_blocked ? 'unblock' : 'block'}`);
        // A search may have redrawn the table while the question was open: update the row shown.
        const shown = tr.isConnected ? tr : tbody.querySelector(`tr[data-id="${c.id}"]`);
        shown?.replaceWith(row({ ...c, is_blocked: updated?.is_blocked ?? !c.is_blocked }));
      } catch (error) {
        toast(errorMessage(error), { type: 'error' });
      }
    });
    const tr = h(
      'tr',
      { 'data-id': c.id },
      h('td', {}, h('a', { href: `#/characters/${c.id}`, text: c.name }), h('div', { class: 'muted ellipsis', style: { maxWidth: '320px' }, text: c.tagline })),
      h('td', { text: t(`visibility.${c.visibility}`) }),
      h('td', { text: t(`rating.${c.content_rating}`) }),
      h('td', { class: 'nowrap', text: `${formatNumber(c.chats_count)} / ${formatNumber(c.likes_count)}` }),
      h('td', { text: formatDate(c.created_at) }),
      h('td', {}, statusBadge(!c.is_blocked, t('admin.active'), t('admin.blocked'))),
      h('td', {}, toggle),
    );
    return tr;
  };
  const load = pagedRows(tbody, more, (cursor) => get('/admin/characters', { q: search.value.trim() || undefined, cursor: cursor || undefined, limit: 50 }), row);
  search.addEventListener('input', debounce(() => load(true).catch(() => {}), 300));
  await load(true);
  box.replaceChildren(
    search,
    h('div', { style: { marginTop: '16px' } }, table([t('admin.character'), t('editor.visibility'), t('editor.content_rating'), t('admin.chats_likes'), t('admin.created'), t('admin.status'), ''], tbody)),
    more,
  );
}
