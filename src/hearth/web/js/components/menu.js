// A button that opens a menu: arrow keys move, Escape or a click elsewhere closes.
import { h, onDismiss } from '../dom.js';
import { icon } from './icons.js';

/**
 * menuButton(label, iconName, items, {className, content})
 * items: {href, label, icon} | {label, icon, run, danger} | {head} | 'sep'
 */
export function menuButton(label, iconName, items, { className = 'icon-btn', content = null } = {}) {
  const menu = h('div', { class: 'menu', role: 'menu', hidden: true });
  let undismiss = null;
  const close = () => {
    menu.hidden = true;
    button.setAttribute('aria-expanded', 'false');
    if (undismiss) undismiss();
    undismiss = null;
  };
  const button = h(
    'button',
    {
      class: className,
      type: 'button',
      'aria-haspopup': 'menu',
      'aria-expanded': 'false',
      'aria-label': label,
      title: label,
      onclick: () => {
        if (!menu.hidden) return close();
        menu.hidden = false;
        button.setAttribute('aria-expanded', 'true');
        undismiss = onDismiss(wrap, close, button);
        const first = menu.querySelector('a, button');
        if (first) first.focus();
      },
    },
    content || icon(iconName),
  );
  for (const item of items) {
    if (item === 'sep') menu.append(h('div', { class: 'menu-sep' }));
    else if (item.head) menu.append(h('div', { class: 'menu-head', text: item.head }));
    else {
      const attrs = { role: 'menuitem', class: item.danger ? 'danger' : '' };
      const node = item.href
        ? h('a', { ...attrs, href: `#${item.href}`, onclick: close }, item.icon && icon(item.icon), item.label)
        : h('button', { ...attrs, type: 'button', onclick: () => { close(); item.run(); } }, item.icon && icon(item.icon), item.label);
      menu.append(node);
    }
  }
  menu.addEventListener('keydown', (event) => {
    const list = [...menu.querySelectorAll('a, button')];
    const index = list.indexOf(document.activeElement);
    if (event.key === 'ArrowDown') list[(index + 1) % list.length].focus();
    else if (event.key === 'ArrowUp') list[(index - 1 + list.length) % list.length].focus();
    else return;
    event.preventDefault();
  });
  const wrap = h('div', { class: 'menu-wrap' }, button, menu);
  return wrap;
}
