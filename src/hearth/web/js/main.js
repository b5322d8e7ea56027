// Boot: theme, language, session, routes.
import { patch, setSignedOutHandler } from './api.js';
import { detectLanguage, setLanguage, t } from './i18n.js';
import { applyTheme, getState, isSignedIn, setState, subscribe } from './store.js';
import { loadUser, signOut } from './session.js';
import { onRoute, render, route, setGuard, setLeaveCheck, setNotFound, start } from './router.js';
import { closeAllDialogs, confirmDiscard, hasEditedDialog } from './components/dialog.js';
import { forgetUnsaved, hasUnsaved } from './unsaved.js';
import { configureHeader, goSignIn, renderHeader } from './components/header.js';
import { toast } from './components/toast.js';

const pages = {
  catalog: () => import('./pages/catalog.js'),
  auth: () => import('./pages/auth.js'),
  character: () => import('./pages/character.js'),
  editor: () => import('./pages/editor.js'),
  chat: () => import('./pages/chat.js'),
  profile: () => import('./pages/profile.js'),
  mine: () => import('./pages/my-characters.js'),
  admin: () => import('./pages/admin.js'),
  trash: () => import('./pages/trash.js'),
  notFound: () => import('./pages/not-found.js'),
};

route('/', pages.catalog);
route('/signin', pages.auth, { guest: true });
route('/signup', pages.auth, { guest: true });
route('/forgot-password', pages.auth, { guest: true });
route('/reset-password', pages.auth);
route('/verify-email', pages.auth);
route('/characters/new', pages.editor, { auth: true });
route('/characters/:id/edit', pages.editor, { auth: true });
route('/characters/:id', pages.character);
route('/chats', pages.chat, { auth: true });
route('/chats/:id', pages.chat, { auth: true });
route('/profile', pages.profile, { auth: true });
route('/me/characters', pages.mine, { auth: true });
route('/trash', pages.trash, { auth: true });
route('/admin', pages.admin, { auth: true });
route('/admin/:section', pages.admin, { auth: true });
setNotFound(pages.notFound);

setGuard((options, { path }) => {
  if (options.auth && !isSignedIn()) return `/signin?next=${encodeURIComponent(path)}`;
  if (options.guest && isSignedIn()) return '/';
  return null;
});

// A dialog belongs to the page under it: leaving the page closes it, and one holding what
// the person typed asks first (Back is easy to press, a story pasted into a dialog is not).
// A page with unsaved changes (the character editor) asks the same.
setLeaveCheck(() => {
  if (!hasUnsaved()) return true;
  const text = hasEditedDialog() ? t('dialog.discard_text') : t('dialog.discard_changes_text');
  return confirmDiscard(text).then((discard) => {
    if (discard) {
      closeAllDialogs();
      forgetUnsaved(); // the route change that follows must not ask again
    }
    return discard;
  });
});

setSignedOutHandler(() => {
  toast(t('auth.session_ended'), { type: 'error' });
  goSignIn();
});

async function changeLanguage(lang) {
  // The page is drawn again in the new language: unsaved work on it would go with it.
  if (hasUnsaved()) {
    if (!(await confirmDiscard(t('dialog.discard_language_text')))) {
      renderHeader(); // the picker shows the language still in use
      return;
    }
    closeAllDialogs();
    forgetUnsaved();
  }
  await setLanguage(lang);
  const { user } = getState();
  if (user && user.locale !== lang) {
    try {
      setState({ user: await patch('/me', { locale: lang }) });
    } catch {
      /* the UI language changed anyway; the profile keeps the old one */
    }
  }
  renderHeader();
  render(); // pages are rebuilt in the new language
}

async function boot() {
  applyTheme();
  await setLanguage(detectLanguage(), { remember: false });
  configureHeader({ changeLanguage, signOut });
  subscribe((_state, changed) => {
    if ('user' in changed || 'theme' in changed) renderHeader();
  });
  await loadUser();
  renderHeader();
  let first = true;
  onRoute(() => {
    closeAllDialogs(); // whatever way the page changed (a redirect, a sign-out, a link)
    renderHeader();
    window.scrollTo(0, 0);
    // Screen readers and keyboards start on the new page, not on the link that led there.
    if (!first) document.getElementById('main').focus({ preventScroll: true });
    first = false;
  });
  // Another tab signed out or in: follow it.
  window.addEventListener('storage', (event) => {
    if (event.key === 'hearth.tokens' && Boolean(event.oldValue) !== Boolean(event.newValue)) {
      loadUser().then(() => render());
    }
  });
  await start(document.getElementById('main'));
}

boot().catch((error) => {
  console.error(error);
  document.getElementById('main').textContent =
    'Hearth failed to start. Please reload. / Не удалось запустить Hearth, обновите страницу. / Hearth no pudo iniciarse. Recarga la página.';
});
