// Hash routing (`#/characters/42?tab=x`): deep links and email links never hit a server route.
const routes = [];
let current = null;
let outlet = null;
let notFound = null;
const listeners = new Set();

/** route('/characters/:id', () => import('./pages/character.js'), {auth: true}) */
export function route(pattern, load, options = {}) {
  const keys = [];
  const regex = new RegExp(
    `^${pattern.replace(/\/:(\w+)/g, (_, key) => {
      keys.push(key);
      return '/([^/]+)';
    })}/?$`,
  );
  routes.push({ pattern, regex, keys, load, options });
}

export function setNotFound(load) {
  notFound = load;
}

export function parseHash(hash = location.hash) {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return { path: path || '/', query: Object.fromEntries(new URLSearchParams(search)) };
}

export function navigate(path, { replace = false } = {}) {
  const target = `#${path}`;
  if (location.hash === target) render();
  else if (replace) {
    history.replaceState(null, '', target);
    render();
  } else location.hash = target;
}

export function currentPath() {
  const { path } = parseHash();
  return path;
}

export function onRoute(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

let leaveCheck = () => true;
/**
 * leaveCheck() is asked before a route change the person made (Back, a link): true goes on,
 * a promise of a boolean keeps the page on show until it says (false: the page stays).
 */
export function setLeaveCheck(fn) {
  leaveCheck = fn;
}

let shownHash = null; // the address of the page on show
let asking = false;
async function onHashChange() {
  // The address moved already (Back does not ask): while the person decides, their page's
  // own address goes back, as a new entry just past the one they were going to.
  const stay = () => history.pushState(null, '', shownHash || '#/');
  if (asking) {
    stay(); // Back again while asked: the question is still on screen
    return;
  }
  const check = leaveCheck();
  if (check === true) {
    render();
    return;
  }
  stay();
  asking = true;
  try {
    // From that new entry, one step back is where they were going, whichever way they went.
    if (await check) history.back();
  } finally {
    asking = false;
  }
}

let guard = () => null;
/** guard(routeOptions, location) may return a path to redirect to (e.g. sign-in). */
export function setGuard(fn) {
  guard = fn;
}

let renderToken = 0;
export async function render() {
  shownHash = location.hash;
  const { path, query } = parseHash();
  let match = null;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (m) {
      match = { route: r, params: Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1])])) };
      break;
    }
  }
  const redirect = guard(match?.route.options || {}, { path, query });
  if (redirect) {
    navigate(redirect, { replace: true });
    return;
  }
  const token = ++renderToken;
  const module = await (match ? match.route.load() : notFound());
  if (token !== renderToken) return; // a newer navigation won
  if (current?.cleanup) {
    try {
      current.cleanup();
    } catch (error) {
      console.warn(error);
    }
  }
  const container = document.createElement('div');
  container.className = 'route';
  outlet.replaceChildren(container);
  current = { path, cleanup: null };
  for (const fn of listeners) fn({ path, query, route: match?.route });
  const cleanup = await module.default(container, { params: match?.params || {}, query, path });
  if (token === renderToken) current.cleanup = typeof cleanup === 'function' ? cleanup : null;
  else if (typeof cleanup === 'function') cleanup();
}

export function start(element) {
  outlet = element;
  window.addEventListener('hashchange', onHashChange);
  return render();
}
