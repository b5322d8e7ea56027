// A character in a grid: portrait, name, tagline, tags, likes and chats.
import { h } from '../dom.js';
import { formatNumber, t } from '../i18n.js';
import { avatar } from './avatar.js';
import { icon } from './icons.js';

export function ratingBadge(rating) {
  if (!rating || rating === 'sfw') return null;
  return h('span', { class: `badge ${rating === 'nsfw' ? 'badge-danger' : 'badge-warning'}`, text: t(`rating.${rating}`) });
}

export function characterCard(character, { onTag } = {}) {
  const portrait = character.avatar_url
    ? h('img', { class: 'cc-img', src: character.avatar_url, alt: '', loading: 'lazy', decoding: 'async' })
    : h('div', { class: 'cc-img cc-img-empty' }, avatar(character.name, null, { size: 72 }));
  return h(
    'article',
    { class: 'cc', dataset: { id: character.id } },
    h(
      'a',
      { class: 'cc-link', href: `#/characters/${character.id}`, 'aria-label': character.name },
      h('div', { class: 'cc-portrait' }, portrait, h('div', { class: 'cc-badges' }, ratingBadge(character.content_rating))),
      h(
        'div',
        { class: 'cc-body' },
        h('h3', { class: 'cc-name ellipsis', text: character.name }),
        h('p', { class: 'cc-tagline', text: character.tagline || t('character.no_tagline') }),
      ),
    ),
    h(
      'div',
      { class: 'cc-foot' },
      h(
        'div',
        { class: 'cc-tags' },
        (character.tags || []).slice(0, 3).map((tag) =>
          onTag ? h('button', { class: 'cc-tag', type: 'button', text: `#${tag}`, onclick: () => onTag(tag) }) : h('span', { class: 'cc-tag', text: `#${tag}` }),
        ),
      ),
      h(
        'div',
        { class: 'cc-stats' },
        h('span', { title: t('character.likes'), class: character.liked_by_me ? 'liked' : '' }, icon(character.liked_by_me ? 'heart-filled' : 'heart'), h('span', { class: 'visually-hidden', text: t('character.likes') }), formatNumber(character.stats?.likes)),
        h('span', { title: t('character.chats') }, icon('chat'), h('span', { class: 'visually-hidden', text: t('character.chats') }), formatNumber(character.stats?.chats)),
      ),
    ),
  );
}

export function cardSkeletons(count = 8) {
  return Array.from({ length: count }, () =>
    h('div', { class: 'cc cc-skeleton', 'aria-hidden': 'true' }, h('div', { class: 'cc-portrait skeleton' }), h('div', { class: 'cc-body' }, h('div', { class: 'skeleton', style: { height: '16px', width: '60%' } }), h('div', { class: 'skeleton', style: { height: '12px', width: '90%', marginTop: '10px' } }))),
  );
}
