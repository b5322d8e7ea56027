// Administration: shown to admins; each section appears when its API answers.
import { ApiError, errorMessage } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { getState } from '../store.js';
import { emptyIcon } from '../components/icons.js';

const SECTIONS = {
  stats: () => import('./admin/stats.js'),
  users: () => import('./admin/users.js'),
  characters: () => import('./admin/characters.js'),
  reports: () => import('./admin/reports.js'),
  providers: () => import('./admin/providers.js'),
  plans: () => import('./admin/plans.js'),
  moderation: () => import('./admin/moderation.js'),
  audit: () => import('./admin/audit.js'),
};

function unavailable() {
  return h('div', { class: 'empty' }, emptyIcon('settings'), h('h3', { text: t('admin.unavailable') }), h('p', { text: t('admin.unavailable_hint') }));
}

export default function mount(root, { params }) {
  document.title = `${t('nav.admin')} · Hearth`;
  const user = getState().user;
  const section = params.section in SECTIONS ? params.section : 'stats';
  const box = h('div', {}, h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
  root.append(
    h(
      'div',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', { text: t('nav.admin') })),
      h('nav', { class: 'tabs', 'aria-label': t('nav.admin') }, Object.keys(SECTIONS).map((s) => h('a', { href: `#/admin/${s}`, 'aria-current': s === section ? 'page' : null, text: t(`admin.tab_${s}`) }))),
      box,
    ),
  );
  if (!user?.is_admin) {
    box.replaceChildren(h('div', { class: 'empty' }, emptyIcon('shield'), h('h3', { text: t('errors.forbidden') })));
    return;
  }
  SECTIONS[section]()
    .then((module) => module.default(box))
    .catch((error) => {
      const missing = error instanceof ApiError && (error.status === 404 || error.status === 405);
      box.replaceChildren(missing ? unavailable() : h('div', { class: 'alert alert-error', text: errorMessage(error) }));
    });
}
