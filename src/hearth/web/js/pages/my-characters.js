// The user's own characters and favourites.
import { errorMessage, get } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { parseHash } from '../router.js';
import { cardSkeletons, characterCard } from '../components/character-card.js';
import { emptyIcon, icon } from '../components/icons.js';

export default function mount(root) {
  const { query } = parseHash();
  const tab = query.tab === 'favorites' ? 'favorites' : 'mine';
  document.title = `${t('nav.my_characters')} · Hearth`;
  const grid = h('div', { class: 'cc-grid' }, cardSkeletons(4));
  const more = h('div', { class: 'form-actions', style: { justifyContent: 'center', marginTop: '24px' } });
  let cursor = null;
  const load = async () => {
    try {
      const page = await get(tab === 'favorites' ? '/me/favorites' : '/me/characters', { cursor: cursor || undefined, limit: 24 });
      if (!cursor) grid.replaceChildren();
      grid.append(...page.items.map((c) => characterCard(c)));
      cursor = page.next_cursor;
      more.replaceChildren(cursor ? h('button', { class: 'btn', type: 'button', text: t('common.load_more'), onclick: load }) : '');
      if (!grid.children.length) {
        grid.replaceWith(h('div', { class: 'empty' }, emptyIcon(tab === 'favorites' ? 'heart' : 'sparkle'), h('h3', { text: tab === 'favorites' ? t('mine.no_favorites') : t('mine.empty') }), tab === 'mine' ? h('a', { class: 'btn btn-primary', href: '#/characters/new' }, icon('plus'), t('nav.create')) : h('a', { class: 'btn', href: '#/', text: t('nav.catalog') })));
      }
    } catch (error) {
      grid.replaceChildren(h('div', { class: 'alert alert-error', text: errorMessage(error) }));
    }
  };
  root.append(
    h(
      'div',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { class: 'grow', text: t('nav.my_characters') }), h('a', { class: 'btn btn-primary', href: '#/characters/new' }, icon('plus'), t('nav.create'))),
      h(
        'nav',
        { class: 'tabs', 'aria-label': t('nav.my_characters') },
        h('a', { href: '#/me/characters', 'aria-current': tab === 'mine' ? 'page' : null, text: t('mine.tab_mine') }),
        h('a', { href: '#/me/characters?tab=favorites', 'aria-current': tab === 'favorites' ? 'page' : null, text: t('mine.tab_favorites') }),
      ),
      grid,
      more,
    ),
  );
  load();
}
