// The one i18n module: loads web/i18n/<lang>.json, translates keys, localises the static shell.
export const LANGUAGES = ['en', 'ru', 'es'];
export const LANGUAGE_NAMES = { en: 'English', ru: 'Русский', es: 'Español' };
const STORAGE_KEY = 'hearth.lang';

let current = 'en';
let messages = {};
let fallback = {};
const listeners = new Set();

async function load(lang) {
  const response = await fetch(new URL(`../i18n/${lang}.json`, import.meta.url), { cache: 'no-cache' });
  if (!response.ok) throw new Error(`i18n ${lang}: ${response.status}`);
  return response.json();
}

/** The language to start with: the saved choice, else the browser's first supported one. */
export function detectLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (LANGUAGES.includes(saved)) return saved;
  for (const tag of navigator.languages || [navigator.language || 'en']) {
    const base = String(tag).slice(0, 2).toLowerCase();
    if (LANGUAGES.includes(base)) return base;
  }
  return 'en';
}

export function language() {
  return current;
}

export async function setLanguage(lang, { remember = true } = {}) {
  if (!LANGUAGES.includes(lang)) lang = 'en';
  if (!Object.keys(fallback).length) fallback = await load('en');
  messages = lang === 'en' ? fallback : await load(lang);
  current = lang;
  if (remember) localStorage.setItem(STORAGE_KEY, lang);
  document.documentElement.lang = lang;
  translateTree(document);
  for (const fn of listeners) fn(lang);
}

export function onLanguageChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function has(key) {
  return key in messages || key in fallback;
}

/** t('catalog.title') or t('chat.swipe', {n: 2, total: 3}) — `{name}` placeholders. */
export function t(key, vars) {
  let text = messages[key] ?? fallback[key];
  if (text === undefined) {
    console.warn(`i18n: missing key ${key}`);
    return key;
  }
  if (vars) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
  return text;
}

/** Elements marked data-i18n / data-i18n-placeholder / -title / -aria-label get their text. */
export function translateTree(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const attr of ['placeholder', 'title', 'aria-label']) {
    const data = `data-i18n-${attr}`;
    for (const el of root.querySelectorAll(`[${data}]`)) el.setAttribute(attr, t(el.getAttribute(data)));
  }
}

const formatters = new Map();
function formatter(kind, options) {
  const key = `${current}|${kind}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) {
    formatters.set(key, kind === 'number' ? new Intl.NumberFormat(current, options) : new Intl.DateTimeFormat(current, options));
  }
  return formatters.get(key);
}

export function formatNumber(value, options = { notation: 'compact', maximumFractionDigits: 1 }) {
  return formatter('number', options).format(value ?? 0);
}

export function formatDate(value, options = { dateStyle: 'medium' }) {
  if (!value) return '';
  return formatter('date', options).format(new Date(value));
}

/** "5 min ago" style for recent things, a date for older ones. */
export function formatRelative(value) {
  if (!value) return '';
  const date = new Date(value);
  const seconds = (date.getTime() - Date.now()) / 1000;
  const abs = Math.abs(seconds);
  const rtf = new Intl.RelativeTimeFormat(current, { numeric: 'auto', style: 'short' });
  if (abs < 60) return rtf.format(Math.round(seconds), 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  if (abs < 7 * 86400) return rtf.format(Math.round(seconds / 86400), 'day');
  return formatDate(date, { day: 'numeric', month: 'short' });
}

/**
 * A short stamp for lists, as messengers show it: the clock time today, the weekday within the
 * week, else the date. "5 мин. назад" or "hace 2 días" leave a narrow list no room for titles.
 */
export function formatStamp(value) {
  if (!value) return '';
  const date = new Date(value);
  const now = new Date();
  if (date.toDateString() === now.toDateString()) return formatDate(date, { timeStyle: 'short' });
  const days = (now - date) / 86400000;
  if (days > 0 && days < 6) return formatDate(date, { weekday: 'short' });
  if (date.getFullYear() === now.getFullYear()) return formatDate(date, { day: 'numeric', month: 'short' });
  return formatDate(date, { dateStyle: 'short' });
}

/** When a future moment comes by the clock: the time if it is today, else the day and time. */
export function formatClock(value) {
  if (!value) return '';
  const date = new Date(value);
  if (date.toDateString() === new Date().toDateString()) return formatDate(date, { timeStyle: 'short' });
  return formatDate(date, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
}
