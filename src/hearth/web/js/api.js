// The one API client: bearer auth, silent refresh with rotation, localised errors, SSE over fetch.
import { formatClock, formatNumber, formatRelative, has, language, t } from './i18n.js';
import { loadTokens, saveTokens, setState } from './store.js';

const BASE = '/api/v1';
const REFRESH_MARGIN_MS = 30_000;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Per-field messages from a 422, in the UI's language: {field: message}. */
  get fieldErrors() {
    const out = {};
    if (Array.isArray(this.details)) {
      for (const item of this.details) {
        if (item && item.field && !(item.field in out)) out[item.field] = fieldMessage(this, item);
      }
    }
    return out;
  }
}

// A field's own check (an email's form, a username's letters) reaches us as a bare
// `value_error` whose only words are the server's English: what the field wants says it.
const FIELD_CHECKS = {
  email: () => t('validation.email'),
  username: () => t('auth.username_hint'),
  birthdate: () => t('validation.birthdate'),
};

// The server words field errors in English; other languages read the error's machine parts:
// the code, else the kind of error with its bounds ({"type": "less_than_equal", "ctx":
// {"le": 100}}), else the field's own check. Only what none of them names shows the
// server's text.
function fieldMessage(error, item) {
  if (language() === 'en' && item.message) return item.message;
  const { code } = error;
  if (code !== 'validation_error') {
    if (has(`errors.${code}`)) return t(`errors.${code}`);
    if (/_(taken|exists)$/.test(code)) return t('validation.taken');
  }
  if (item.type && has(`validation.${item.type}`)) return t(`validation.${item.type}`, bounds(item.ctx));
  const name = String(item.field).split('.').pop();
  if (item.type === 'value_error' && FIELD_CHECKS[name]) return FIELD_CHECKS[name]();
  // The top message is the server's translation of a code it knows; a field's is English.
  if (code !== 'validation_error' && error.message) return error.message;
  return item.message || t('validation.invalid');
}

/** Limits as the UI's language writes numbers ("32 000", not "32000"). */
function bounds(ctx) {
  if (!ctx) return ctx;
  return Object.fromEntries(Object.entries(ctx).map(([key, value]) => [key, typeof value === 'number' ? formatNumber(value, { maximumFractionDigits: 20 }) : value]));
}

/** A message for people: the UI's translation of the code, else the server's (localised) text. */
export function errorMessage(error) {
  if (error instanceof ApiError) {
    // A spent quota says when it renews: "wait until when?" is the one question people have.
    const resetAt = error.code === 'quota_exceeded' && error.details?.reset_at;
    if (resetAt && !Number.isNaN(Date.parse(resetAt))) {
      return t('errors.quota_exceeded_until', { when: formatRelative(resetAt), time: formatClock(resetAt) });
    }
    if (has(`errors.${error.code}`)) return t(`errors.${error.code}`);
    return error.message || t('errors.unknown');
  }
  if (error && error.name === 'AbortError') return t('errors.aborted');
  if (error instanceof TypeError && /fetch|network|load failed/i.test(error.message)) return t('errors.network');
  console.error(error); // a bug of ours, not the network's: keep it visible
  return t('errors.unknown');
}

let onSignedOut = () => {};
/** The app decides where a user goes when the session cannot be renewed. */
export function setSignedOutHandler(fn) {
  onSignedOut = fn;
}

// ---------- refresh, serialized ----------
// Presenting a refresh token twice makes the server revoke the whole family, so at most one
// refresh runs at a time: within the tab (one shared promise) and across tabs (a Web Lock;
// inside it we re-read storage, because another tab may already have rotated the pair).
let refreshing = null;

export function refreshSession() {
  if (!refreshing) {
    const stale = loadTokens();
    refreshing = withLock(() => rotate(stale)).finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function withLock(fn) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request('hearth-refresh', fn);
  return fn();
}

async function rotate(stale) {
  const now = loadTokens();
  if (!now?.refresh) return null;
  if (stale && now.refresh !== stale.refresh && now.expiresAt - Date.now() > REFRESH_MARGIN_MS) {
    return now; // another tab rotated while we waited for the lock
  }
  let response;
  try {
    response = await fetch(`${BASE}/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept-Language': language() },
      body: JSON.stringify({ refresh_token: now.refresh }),
    });
  } catch {
    return now; // offline: keep the tokens, the request will fail on its own
  }
  if (!response.ok) {
    saveTokens(null);
    return null;
  }
  return saveTokens(await response.json());
}

async function accessToken() {
  let tokens = loadTokens();
  if (tokens?.refresh && tokens.expiresAt - Date.now() < REFRESH_MARGIN_MS) tokens = await refreshSession();
  return tokens?.access || null;
}

function signedOut() {
  saveTokens(null);
  setState({ user: null });
  onSignedOut();
}

// ---------- requests ----------
function buildUrl(path, query) {
  const url = new URL(BASE + path, location.origin);
  if (query) {
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null || value === '') continue;
      if (Array.isArray(value)) value.forEach((v) => url.searchParams.append(key, v));
      else url.searchParams.set(key, value);
    }
  }
  return url.pathname + url.search;
}

async function send(method, path, { body, form, query, headers = {}, auth = true, signal, accept } = {}) {
  const init = { method, signal, headers: { 'Accept-Language': language(), Accept: accept || 'application/json', ...headers } };
  if (form) init.body = form;
  else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const url = buildUrl(path, query);
  const hadSession = auth && Boolean(loadTokens()?.refresh);
  const token = auth ? await accessToken() : null;
  if (hadSession && !token) {
    // The proactive refresh was refused: the session is over, say so instead of a bare 401.
    signedOut();
    throw new ApiError(401, 'token_expired');
  }
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response = await fetch(url, init);
  if (response.status === 401 && token) {
    const renewed = await refreshSession();
    if (!renewed) {
      signedOut();
      throw await toError(response);
    }
    init.headers.Authorization = `Bearer ${renewed.access}`;
    response = await fetch(url, init);
    if (response.status === 401) {
      signedOut();
      throw await toError(response);
    }
  }
  return response;
}

async function toError(response) {
  let payload = null;
  try {
    payload = await response.clone().json();
  } catch {
    /* not JSON: a proxy or a crash page */
  }
  const error = payload?.error || {};
  return new ApiError(response.status, error.code || `http_${response.status}`, error.message, error.details);
}

/** JSON request; resolves to the parsed body (null for 204), rejects with ApiError. */
export async function api(method, path, options = {}) {
  const response = await send(method, path, options);
  if (!response.ok) throw await toError(response);
  if (response.status === 204) return null;
  const type = response.headers.get('content-type') || '';
  if (options.raw) return response;
  return type.includes('json') ? response.json() : response.text();
}

export const get = (path, query, options) => api('GET', path, { ...options, query });
export const post = (path, body, options) => api('POST', path, { ...options, body });
export const patch = (path, body, options) => api('PATCH', path, { ...options, body });
export const put = (path, body, options) => api('PUT', path, { ...options, body });
export const del = (path, query, options) => api('DELETE', path, { ...options, query });

export function upload(path, file, { method = 'PUT', field = 'file', filename } = {}) {
  const form = new FormData();
  form.append(field, file, filename || file.name || 'upload');
  return api(method, path, { form });
}

/** Download a response as a file (exports). */
export async function download(path, query, fallbackName) {
  const response = await api('GET', path, { query, raw: true, accept: '*/*' });
  const blob = await response.blob();
  const disposition = response.headers.get('content-disposition') || '';
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1]) : fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---------- SSE over fetch ----------
/**
 * POST/GET an SSE endpoint and call onEvent({event, id, data}) per event. EventSource cannot
 * POST or send Authorization, so the body is read with a ReadableStream and parsed here.
 * Resolves with the last event id seen when the stream ends; rejects with ApiError on non-2xx.
 */
export async function stream(method, path, { body, lastEventId, signal, onEvent }) {
  const headers = { Accept: 'text/event-stream' };
  if (lastEventId) headers['Last-Event-ID'] = String(lastEventId);
  const response = await send(method, path, { body, headers, signal, accept: 'text/event-stream' });
  if (!response.ok) throw await toError(response);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let lastId = lastEventId || null;
  let event = { event: 'message', id: null, data: [] };
  const dispatch = () => {
    if (event.data.length) {
      const raw = event.data.join('\n');
      let data = raw;
      try {
        data = JSON.parse(raw);
      } catch {
        /* plain text data */
      }
      if (event.id !== null) lastId = event.id;
      onEvent({ event: event.event, id: event.id, data });
    }
    event = { event: 'message', id: null, data: [] };
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' && buffer[newline + 1] === '\n' ? 2 : 1));
      if (line === '') dispatch();
      else if (line.startsWith(':')) continue; // comment / keep-alive
      else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event.event = value;
        else if (field === 'data') event.data.push(value);
        else if (field === 'id') event.id = value;
      }
    }
  }
  dispatch();
  return lastId;
}
