// The signed-in user: load /me, adopt the profile's language, sign out.
import { ApiError, get, post } from './api.js';
import { language, setLanguage, t } from './i18n.js';
import { forgetDrafts, isSignedIn, loadTokens, saveTokens, setState } from './store.js';
import { toast } from './components/toast.js';

/** Load /me after sign-in (or at boot); the profile's language wins over the browser's. */
export async function loadUser() {
  if (!isSignedIn()) {
    setState({ user: null });
    return null;
  }
  try {
    const user = await get('/me');
    if (user.locale && user.locale !== language()) await setLanguage(user.locale);
    setState({ user });
    return user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) saveTokens(null);
    setState({ user: null });
    return null;
  }
}

export async function signOut() {
  const tokens = loadTokens();
  saveTokens(null);
  forgetDrafts();
  setState({ user: null });
  if (tokens?.refresh) post('/auth/logout', { refresh_token: tokens.refresh }, { auth: false }).catch(() => {});
  location.hash = '#/';
  toast(t('auth.signed_out'));
}
