// Building DOM without innerHTML: every string becomes a text node, so nothing is ever parsed.

/**
 * h('button', {class: 'btn', onclick: fn, 'aria-label': 'x'}, 'text', childNode, [more])
 * Props: class, style (object), dataset (object), text, on<event> (function), any attribute.
 * Boolean attribute values: true sets it, false/null/undefined omits it.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) setProps(el, props);
  append(el, children);
  return el;
}

export function setProps(el, props) {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'style') Object.assign(el.style, value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked' || key === 'selected' || key === 'disabled' || key === 'hidden') el[key] = Boolean(value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/**
 * Close a popup when the user clicks elsewhere, presses Escape or moves focus out of it;
 * returns the remover. Escape gives focus back to `opener`: the focused item is being hidden.
 */
export function onDismiss(container, close, opener = null) {
  const onClick = (event) => { if (!container.contains(event.target)) close(); };
  const onKey = (event) => {
    if (event.key !== 'Escape') return;
    const hadFocus = container.contains(document.activeElement);
    close();
    if (hadFocus && opener) opener.focus();
  };
  // Left open after Tab, a menu would cover whatever focus moved to.
  const onFocusOut = (event) => { if (event.relatedTarget && !container.contains(event.relatedTarget)) close(); };
  setTimeout(() => document.addEventListener('click', onClick), 0);
  document.addEventListener('keydown', onKey);
  container.addEventListener('focusout', onFocusOut);
  return () => {
    document.removeEventListener('click', onClick);
    document.removeEventListener('keydown', onKey);
    container.removeEventListener('focusout', onFocusOut);
  };
}

let idCounter = 0;
export function uid(prefix = 'id') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
