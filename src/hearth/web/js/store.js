// The one store: session tokens, the signed-in user, theme, and small cached lists.
const TOKENS_KEY = 'hearth.tokens';
const THEME_KEY = 'hearth.theme';

const state = {
  user: null, // GET /me
  theme: localStorage.getItem(THEME_KEY) || 'dark',
  models: null, // GET /models, cached for the session
};
const listeners = new Set();

export function getState() {
  return state;
}

export function setState(patch) {
  Object.assign(state, patch);
  if ('theme' in patch) {
    localStorage.setItem(THEME_KEY, state.theme);
    applyTheme();
  }
  for (const fn of listeners) fn(state, patch);
}

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function applyTheme() {
  document.documentElement.dataset.theme = state.theme === 'light' ? 'light' : 'dark';
  const meta = document.querySelector('meta[name="theme-color"]');
  if (meta) meta.content = state.theme === 'light' ? '#f6f6f8' : '#0e0f13';
}

// Tokens live in localStorage so a reload keeps the session; every tab reads the same slot,
// which is what lets one tab pick up a refresh another tab already did.
export function loadTokens() {
  try {
    return JSON.parse(localStorage.getItem(TOKENS_KEY)) || null;
  } catch {
    return null;
  }
}

export function saveTokens(pair) {
  if (!pair) {
    localStorage.removeItem(TOKENS_KEY);
    return null;
  }
  const tokens = {
    access: pair.access_token,
    refresh: pair.refresh_token,
    expiresAt: Date.now() + (pair.expires_in || 900) * 1000,
  };
  localStorage.setItem(TOKENS_KEY, JSON.stringify(tokens));
  return tokens;
}

export function isSignedIn() {
  return Boolean(loadTokens()?.refresh);
}

// What the user has typed but not sent, per chat: a closed tab, a reload or a crash keeps
// it. Signing out forgets every draft (a shared computer); an expired session does not.
const DRAFT_PREFIX = 'hearth.draft.';

export function loadDraft(chatId) {
  return localStorage.getItem(DRAFT_PREFIX + chatId) || '';
}

export function saveDraft(chatId, text) {
  try {
    if (text) localStorage.setItem(DRAFT_PREFIX + chatId, text);
    else localStorage.removeItem(DRAFT_PREFIX + chatId);
  } catch {
    // Storage full or disabled: the draft is only in the box, as without this.
  }
}

export function forgetDrafts() {
  for (const key of Object.keys(localStorage)) {
    if (key.startsWith(DRAFT_PREFIX)) localStorage.removeItem(key);
  }
}
