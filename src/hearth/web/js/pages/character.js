// A character: portrait, description, greeting preview, stats, like, start chat, the user's
// chats with it, card export, and edit/delete for the owner.
import { ApiError, del, download, errorMessage, get, post } from '../api.js';
import { h } from '../dom.js';
import { formatDate, formatNumber, formatRelative, t } from '../i18n.js';
import { getState } from '../store.js';
import { navigate } from '../router.js';
import { avatar } from '../components/avatar.js';
import { ratingBadge } from '../components/character-card.js';
import { confirmDialog } from '../components/dialog.js';
import { emptyIcon, icon } from '../components/icons.js';
import { plainPreview, richText } from '../components/rich-text.js';
import { reportDialog } from '../components/report-dialog.js';
import { toast } from '../components/toast.js';

export async function startChat(characterId, greetingIndex = 0) {
  if (!getState().user) {
    navigate(`/signin?next=${encodeURIComponent(`/characters/${characterId}`)}`);
    return;
  }
  const body = { character_id: characterId };
  if (greetingIndex) body.greeting_index = greetingIndex;
  const chat = await post('/chats', body);
  navigate(`/chats/${chat.id}`);
}

function section(title, ...content) {
  return h('section', { class: 'section' }, h('h2', { class: 'card-title', text: title }), ...content);
}

export default async function mount(root, { params }) {
  const page = h('div', { class: 'page' }, h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner' }), t('common.loading')));
  root.append(page);
  let character;
  try {
    character = await get(`/characters/${params.id}`);
  } catch (error) {
    const missing = error instanceof ApiError && error.status === 404;
    page.replaceChildren(
      h(
        'div',
        { class: 'empty' },
        emptyIcon(missing ? 'user' : 'alert'),
        h('h3', { text: missing ? t('character.not_found') : errorMessage(error) }),
        h('a', { class: 'btn', href: '#/', text: t('notfound.home') }),
      ),
    );
    return;
  }
  document.title = `${character.name} · Hearth`;
  const user = getState().user;
  const isOwner = user && (user.id === character.creator?.id || user.is_admin);
  const macros = { char: character.name, user: user?.display_name || user?.username || t('character.you') };

  // --- greeting preview with alternates ---
  const greetings = [character.greeting, ...(character.alternate_greetings || [])].filter((g) => g && g.trim());
  let greetingIndex = 0;
  const greetingBody = h('div', { class: 'rp' });
  const greetingCounter = h('span', { class: 'small muted' });
  const prevBtn = h('button', { class: 'icon-btn sm', type: 'button', 'aria-label': t('chat.swipe_prev'), onclick: () => showGreeting(greetingIndex - 1) }, icon('left'));
  const nextBtn = h('button', { class: 'icon-btn sm', type: 'button', 'aria-label': t('chat.swipe_next'), onclick: () => showGreeting(greetingIndex + 1) }, icon('right'));
  function showGreeting(index) {
    greetingIndex = Math.max(0, Math.min(greetings.length - 1, index));
    greetingBody.replaceChildren(richText(greetings[greetingIndex] || '', macros));
    greetingCounter.textContent = `${greetingIndex + 1} / ${greetings.length}`;
    prevBtn.disabled = greetingIndex === 0;
    nextBtn.disabled = greetingIndex >= greetings.length - 1;
  }

  // --- actions ---
  const startBtn = h('button', { class: 'btn btn-primary btn-lg btn-block', type: 'button' }, icon('chat'), t('character.start_chat'));
  startBtn.addEventListener('click', async () => {
    startBtn.disabled = true;
    try {
      await startChat(character.id, greetingIndex);
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
      startBtn.disabled = false;
    }
  });
  const likeCount = h('span', { text: formatNumber(character.stats.likes) });
  const likeBtn = h('button', { class: 'btn like-btn grow', type: 'button', 'aria-pressed': character.liked_by_me ? 'true' : 'false', 'aria-label': t('character.like') }, icon(character.liked_by_me ? 'heart-filled' : 'heart'), likeCount);
  likeBtn.addEventListener('click', async () => {
    if (!user) return navigate(`/signin?next=${encodeURIComponent(`/characters/${character.id}`)}`);
    const liked = likeBtn.getAttribute('aria-pressed') !== 'true';
    likeBtn.disabled = true;
    try {
      const result = liked ? await post(`/characters/${character.id}/like`) : await del(`/characters/${character.id}/like`);
      likeBtn.setAttribute('aria-pressed', result.liked ? 'true' : 'false');
      likeBtn.firstChild.replaceWith(icon(result.liked ? 'heart-filled' : 'heart'));
      likeCount.textContent = formatNumber(result.likes);
      statLikes.textContent = formatNumber(result.likes);
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
    } finally {
      likeBtn.disabled = false;
    }
  });
  const exportBtn = (format) =>
    h('button', {
      class: 'btn grow',
      type: 'button',
      onclick: () => download(`/characters/${character.id}/card`, { format }, `${character.name}.${format}`).catch((e) => toast(errorMessage(e), { type: 'error' })),
    }, icon('download'), format.toUpperCase());

  const ownerActions = isOwner
    ? h(
        'div',
        { class: 'row' },
        h('a', { class: 'btn grow', href: `#/characters/${character.id}/edit` }, icon('edit'), t('common.edit')),
        h('button', {
          class: 'btn btn-danger',
          type: 'button',
          'aria-label': t('common.delete'),
          onclick: async () => {
            const ok = await confirmDialog({ title: t('character.delete_title', { name: character.name }), text: t('character.delete_text'), confirm: t('common.delete'), danger: true });
            if (!ok) return;
            try {
              await del(`/characters/${character.id}`);
              toast(t('character.deleted'), { type: 'success' });
              navigate('/me/characters');
            } catch (error) {
              toast(errorMessage(error), { type: 'error' });
            }
          },
        }, icon('trash')),
      )
    : null;

  const statLikes = h('b', { text: formatNumber(character.stats.likes) });
  const portrait = character.avatar_url ? h('img', { src: character.avatar_url, alt: character.name }) : avatar(character.name, null, { size: 120 });

  const chatsList = h('div', { class: 'chat-list-mini' });
  const chatsSection = section(t('character.your_chats'), chatsList);
  chatsSection.hidden = true;

  page.replaceChildren(
    h(
      'div',
      { class: 'char-layout' },
      h(
        'aside',
        { class: 'char-aside' },
        h('div', { class: 'char-portrait' }, portrait),
        startBtn,
        h('div', { class: 'row' }, likeBtn, exportBtn('json'), exportBtn('png')),
        ownerActions,
        user && !isOwner && h('button', { class: 'btn btn-ghost btn-sm', type: 'button', onclick: () => reportDialog('character', character.id) }, icon('alert'), t('report.action')),
        h(
          'div',
          { class: 'stats' },
          h('div', { class: 'stat' }, h('b', { text: formatNumber(character.stats.chats) }), h('span', { text: t('character.chats') })),
          h('div', { class: 'stat' }, h('b', { text: formatNumber(character.stats.messages) }), h('span', { text: t('character.messages') })),
          h('div', { class: 'stat' }, statLikes, h('span', { text: t('character.likes') })),
        ),
      ),
      h(
        'div',
        { class: 'stack char-main' },
        h(
          'header',
          {},
          h('h1', { class: 'char-title', text: character.name }),
          character.tagline && h('p', { class: 'char-tagline', text: character.tagline }),
          h(
            'div',
            { class: 'char-meta' },
            ratingBadge(character.content_rating),
            character.visibility !== 'public' && h('span', { class: 'badge', text: t(`visibility.${character.visibility}`) }),
            character.is_blocked && h('span', { class: 'badge badge-danger', text: t('character.blocked') }),
            character.creator && h('span', { text: t('character.by', { name: character.creator.username }) }),
            character.gender && h('span', { text: `· ${character.gender}` }),
            h('span', { text: `· ${formatDate(character.created_at)}` }),
          ),
          character.tags.length > 0 && h('div', { class: 'tag-list', style: { marginTop: '12px' } }, character.tags.map((tag) => h('a', { href: `#/?tags=${encodeURIComponent(tag)}`, text: `#${tag}` }))),
        ),
        greetings.length > 0 &&
          section(
            t('character.greeting'),
            h(
              'div',
              { class: 'greeting-preview' },
              h('div', { class: 'greeting-head' }, avatar(character.name, character.avatar_url, { size: 32 }), h('b', { text: character.name }), h('span', { class: 'spacer' }), greetings.length > 1 && h('div', { class: 'row' }, prevBtn, greetingCounter, nextBtn)),
              greetingBody,
            ),
          ),
        character.description && section(t('character.description'), h('div', { class: 'rp' }, richText(character.description, macros))),
        character.scenario && section(t('character.scenario'), h('div', { class: 'rp' }, richText(character.scenario, macros))),
        character.creator_notes && section(t('character.creator_notes'), h('p', { class: 'prose', text: character.creator_notes })),
        chatsSection,
      ),
    ),
  );
  if (greetings.length) showGreeting(0);

  if (user) {
    try {
      const chats = await get('/chats', { character_id: character.id, limit: 10 });
      if (chats.items.length) {
        chatsSection.hidden = false;
        chatsList.replaceChildren(
          ...chats.items.map((chat) =>
            h(
              'a',
              { href: `#/chats/${chat.id}` },
              icon('chat'),
              h('div', { class: 'grow' }, h('div', { class: 'ellipsis', text: chat.title || character.name }), h('div', { class: 'small muted ellipsis', text: plainPreview(chat.last_message?.content || '', 90) })),
              h('span', { class: 'small muted nowrap', text: formatRelative(chat.last_message_at) }),
            ),
          ),
        );
      }
    } catch {
      /* the list is a convenience; the page works without it */
    }
  }
}
