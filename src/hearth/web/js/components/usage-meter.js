// Units used of the plan's limit, with the reset time; hides itself when /me/usage is absent.
// `.refresh()` reads the usage again: a reply (or a refused one) changes it after the page opened.
import { get } from '../api.js';
import { formatNumber, formatRelative, t } from '../i18n.js';
import { append, h } from '../dom.js';

export function usageMeter({ compact = false } = {}) {
  const root = h('div', { class: `meter${compact ? ' meter-compact' : ''}`, hidden: true });
  let gone = false;
  let asked = 0;
  const load = () => {
    if (gone) return;
    const mine = ++asked; // a slow answer must not overwrite a newer one
    get('/me/usage')
      .then((usage) => {
        if (mine !== asked) return;
        if (!usage || usage.units_limit === null || usage.units_limit === undefined) return;
        const used = usage.units_used || 0;
        const limit = usage.units_limit || 0;
        const share = limit ? Math.min(100, Math.round((used / limit) * 100)) : 0;
        root.replaceChildren();
        append(root, [
          h('div', { class: 'row small' }, compact && h('span', { class: 'grow', text: t('usage.title') }), h('span', { class: 'muted nowrap meter-used', text: t('usage.used_of', { used: formatNumber(used), limit: formatNumber(limit) }) })),
          h('div', { class: 'progress meter-bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': share, 'aria-label': t('usage.title') }, h('span', { style: { width: `${share}%`, background: share > 90 ? 'var(--danger)' : '' } })),
          usage.reset_at && h('div', { class: 'small muted', text: t('usage.resets', { when: formatRelative(usage.reset_at) }) }),
          !compact && usage.balance !== undefined && usage.balance !== null && h('div', { class: 'small muted', text: t('usage.balance', { balance: formatNumber(usage.balance, { maximumFractionDigits: 2 }) }) }),
        ]);
        root.hidden = false;
      })
      .catch(() => {
        if (mine !== asked || !root.hidden) return; // a shown meter keeps its last numbers
        gone = true;
        root.remove(); // no usage API (404) or no access: nothing to show
      });
  };
  root.refresh = load;
  load();
  return root;
}
