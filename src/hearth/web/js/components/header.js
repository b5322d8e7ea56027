// The header: brand, navigation, language switcher, theme toggle, account menu.
import { h, replace } from '../dom.js';
import { LANGUAGES, LANGUAGE_NAMES, language, t } from '../i18n.js';
import { getState, setState } from '../store.js';
import { currentPath, navigate } from '../router.js';
import { avatar } from './avatar.js';
import { icon } from './icons.js';
import { menuButton } from './menu.js';

let hooks = { changeLanguage: async () => {}, signOut: async () => {} };

export function configureHeader(options) {
  hooks = { ...hooks, ...options };
}

function navItems(user) {
  const items = [['/', t('nav.catalog'), 'grid']];
  if (user) {
    items.push(['/chats', t('nav.chats'), 'chat'], ['/characters/new', t('nav.create'), 'plus']);
    if (user.is_admin) items.push(['/admin', t('nav.admin'), 'shield']);
  }
  return items;
}

function isActive(path) {
  const now = currentPath();
  if (path === '/') return now === '/';
  return now === path || (now.startsWith(`${path}/`) && !(path === '/chats' && false));
}

export function renderHeader() {
  const root = document.getElementById('app-header');
  const { user, theme } = getState();
  const nav = navItems(user);
  const languageSelect = h(
    'select',
    {
      class: 'select select-sm lang-select',
      'aria-label': t('header.language'),
      title: t('header.language'),
      onchange: (event) => hooks.changeLanguage(event.target.value),
    },
    LANGUAGES.map((code) => h('option', { value: code, selected: code === language(), text: LANGUAGE_NAMES[code] })),
  );
  const themeButton = h(
    'button',
    {
      class: 'icon-btn',
      type: 'button',
      'aria-label': theme === 'light' ? t('header.theme_dark') : t('header.theme_light'),
      title: theme === 'light' ? t('header.theme_dark') : t('header.theme_light'),
      onclick: () => setState({ theme: getState().theme === 'light' ? 'dark' : 'light' }),
    },
    icon(theme === 'light' ? 'moon' : 'sun'),
  );
  const mobileItems = nav.map(([href, label, ic]) => ({ href, label, icon: ic }));
  if (!user) mobileItems.push({ href: '/signin', label: t('auth.sign_in'), icon: 'user' });
  const mobileNav = menuButton(
    t('header.menu'),
    'menu',
    mobileItems,
    { className: 'icon-btn show-mobile' },
  );
  let account;
  if (user) {
    account = menuButton(
      t('header.account'),
      null,
      [
        { head: user.display_name || user.username },
        { href: '/profile', label: t('nav.profile'), icon: 'user' },
        { href: '/me/characters', label: t('nav.my_characters'), icon: 'book' },
        'sep',
        { label: t('auth.sign_out'), icon: 'logout', run: () => hooks.signOut(), danger: true },
      ],
      { className: 'user-chip', content: avatar(user.display_name || user.username, user.avatar_url, { size: 30 }) },
    );
  } else {
    account = h(
      'div',
      { class: 'row' },
      h('a', { class: 'btn btn-ghost hide-mobile', href: '#/signin', text: t('auth.sign_in') }),
      h('a', { class: 'btn btn-primary', href: '#/signup', text: t('auth.sign_up') }),
    );
  }
  replace(
    root,
    mobileNav,
    h('a', { class: 'brand', href: '#/', 'aria-label': t('app.home') }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, icon('flame')), h('span', { class: 'brand-name', text: 'Hearth' })),
    h(
      'nav',
      { class: 'nav', 'aria-label': t('nav.main') },
      nav.map(([href, label]) => h('a', { href: `#${href}`, text: label, 'aria-current': isActive(href) ? 'page' : null })),
    ),
    h('div', { class: 'header-actions' }, languageSelect, themeButton, account),
  );
}

export function goSignIn() {
  const next = currentPath();
  navigate(next && next !== '/signin' ? `/signin?next=${encodeURIComponent(next)}` : '/signin');
}
