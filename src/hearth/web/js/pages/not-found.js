// Unknown routes.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { emptyIcon } from '../components/icons.js';

export default function mount(root) {
  document.title = `${t('notfound.title')} · Hearth`;
  root.append(
    h(
      'div',
      { class: 'page' },
      h('div', { class: 'empty' }, emptyIcon('globe'), h('h3', { text: t('notfound.title') }), h('p', { text: t('notfound.text') }), h('a', { class: 'btn btn-primary', href: '#/', text: t('notfound.home') })),
    ),
  );
}
