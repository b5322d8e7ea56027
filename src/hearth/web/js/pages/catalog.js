// The catalog (home): live search, tag chips, rating filter, sort, infinite scroll by cursor.
import { errorMessage, get } from '../api.js';
import { debounce, h } from '../dom.js';
import { formatNumber, t } from '../i18n.js';
import { getState } from '../store.js';
import { parseHash } from '../router.js';
import { cardSkeletons, characterCard } from '../components/character-card.js';
import { emptyIcon, icon } from '../components/icons.js';

const PAGE_SIZE = 24;

export default function mount(root) {
  document.title = `${t('catalog.title')} · Hearth`;
  const { query } = parseHash();
  const user = getState().user;
  const state = {
    q: query.q || '',
    tags: query.tags ? query.tags.split(',').filter(Boolean) : [],
    rating: query.rating || '',
    sort: query.sort || 'popular',
    cursor: null,
    done: false,
    loading: false,
  };
  let controller = null;

  const search = h('input', {
    class: 'input search-input',
    type: 'search',
    value: state.q,
    placeholder: t('catalog.search_placeholder'),
    'aria-label': t('catalog.search_label'),
    autocomplete: 'off',
    enterkeyhint: 'search',
  });
  const chips = h('div', { class: 'chips', role: 'group', 'aria-label': t('catalog.tags') });
  const ratings = [['', t('catalog.rating_all')], ['sfw', t('rating.sfw')], ['moderate', t('rating.moderate')]];
  if (user?.show_nsfw) ratings.push(['nsfw', t('rating.nsfw')]);
  const ratingGroup = h(
    'div',
    { class: 'segmented', role: 'radiogroup', 'aria-label': t('catalog.rating') },
    ratings.map(([value, label]) =>
      h('label', {}, h('input', { type: 'radio', name: 'rating', value, checked: state.rating === value, onchange: () => { state.rating = value; reload(); } }), h('span', { text: label })),
    ),
  );
  const sortSelect = h(
    'select',
    { class: 'select select-sm sort-select', 'aria-label': t('catalog.sort'), onchange: (e) => { state.sort = e.target.value; reload(); } },
    ['popular', 'new', 'likes'].map((value) => h('option', { value, selected: state.sort === value, text: t(`catalog.sort_${value}`) })),
  );
  const grid = h('div', { class: 'cc-grid', 'aria-live': 'polite', 'aria-busy': 'true' });
  const status = h('div', { class: 'catalog-status' });
  const sentinel = h('div', { class: 'sentinel', 'aria-hidden': 'true' });
  const count = h('span', { class: 'muted small', 'aria-live': 'polite' });

  root.append(
    h(
      'div',
      { class: 'page catalog' },
      h(
        'section',
        { class: 'hero' },
        h('h1', { class: 'hero-title', text: t('catalog.hero_title') }),
        h('p', { class: 'hero-sub', text: t('catalog.hero_subtitle') }),
        h('div', { class: 'search-box' }, icon('search', 'icon search-icon'), search),
      ),
      h('div', { class: 'filters' }, chips, h('div', { class: 'filters-row' }, ratingGroup, h('span', { class: 'spacer' }), count, sortSelect)),
      grid,
      status,
      sentinel,
    ),
  );

  function syncUrl() {
    const params = new URLSearchParams();
    if (state.q) params.set('q', state.q);
    if (state.tags.length) params.set('tags', state.tags.join(','));
    if (state.rating) params.set('rating', state.rating);
    if (state.sort !== 'popular') params.set('sort', state.sort);
    const qs = params.toString();
    history.replaceState(null, '', `#/${qs ? `?${qs}` : ''}`);
  }

  function renderChips(tags) {
    const known = new Set(tags.map((tg) => tg.tag));
    const list = [...state.tags.filter((tag) => !known.has(tag)).map((tag) => ({ tag, count: null })), ...tags];
    chips.replaceChildren(
      ...list.map(({ tag, count: n }) =>
        h(
          'button',
          { class: 'chip', type: 'button', 'aria-pressed': state.tags.includes(tag) ? 'true' : 'false', onclick: () => toggleTag(tag) },
          `#${tag}`,
          n !== null && h('span', { class: 'count', text: formatNumber(n) }),
        ),
      ),
    );
  }

  let tagCloud = [];
  function toggleTag(tag) {
    state.tags = state.tags.includes(tag) ? state.tags.filter((x) => x !== tag) : [...state.tags, tag];
    renderChips(tagCloud);
    reload();
  }

  async function loadTags() {
    try {
      tagCloud = await get('/tags', { limit: 16 });
    } catch {
      tagCloud = [];
    }
    renderChips(tagCloud);
  }

  async function loadMore() {
    if (state.loading || state.done) return;
    state.loading = true;
    controller = new AbortController();
    const first = !state.cursor;
    if (first) grid.replaceChildren(...cardSkeletons(8));
    else status.replaceChildren(h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
    grid.setAttribute('aria-busy', 'true');
    try {
      const page = await get(
        '/characters',
        { q: state.q.trim() || undefined, tags: state.tags.length ? state.tags.join(',') : undefined, rating: state.rating || undefined, sort: state.sort, cursor: state.cursor || undefined, limit: PAGE_SIZE },
        { signal: controller.signal },
      );
      if (first) grid.replaceChildren();
      grid.append(...page.items.map((c) => characterCard(c, { onTag: toggleTag })));
      state.cursor = page.next_cursor;
      state.done = !page.next_cursor;
      status.replaceChildren();
      if (first && !page.items.length) {
        status.append(
          h(
            'div',
            { class: 'empty' },
            emptyIcon('search'),
            h('h3', { text: state.q || state.tags.length ? t('catalog.no_results') : t('catalog.empty') }),
            h('p', { text: state.q || state.tags.length ? t('catalog.no_results_hint') : t('catalog.empty_hint') }),
            user && h('a', { class: 'btn btn-primary', href: '#/characters/new' }, icon('plus'), t('catalog.create_first')),
          ),
        );
      }
      count.textContent = first ? (page.items.length ? (state.done ? t('catalog.count', { count: page.items.length }) : '') : '') : count.textContent;
      state.loading = false;
      grid.setAttribute('aria-busy', 'false');
      // The sentinel may still be visible (a tall screen): keep filling.
      if (!state.done && sentinel.getBoundingClientRect().top < window.innerHeight + 400) loadMore();
    } catch (error) {
      state.loading = false;
      grid.setAttribute('aria-busy', 'false');
      if (error.name === 'AbortError') return;
      if (first) grid.replaceChildren();
      status.replaceChildren(
        h('div', { class: 'empty' }, h('p', { text: errorMessage(error) }), h('button', { class: 'btn', type: 'button', text: t('common.retry'), onclick: () => loadMore() })),
      );
    }
  }

  function reload() {
    if (controller) controller.abort();
    state.loading = false;
    state.cursor = null;
    state.done = false;
    syncUrl();
    loadMore();
  }

  const onSearch = debounce(() => {
    const value = search.value.trim();
    if (value === state.q) return;
    state.q = value;
    reload();
  }, 250);
  search.addEventListener('input', onSearch);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      onSearch.cancel();
      state.q = search.value.trim();
      reload();
    }
  });

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { rootMargin: '400px' });
  observer.observe(sentinel);

  loadTags();
  loadMore();
  return () => {
    observer.disconnect();
    onSearch.cancel();
    if (controller) controller.abort();
  };
}
