// Profile: name, avatar, birthdate, language, mature content (18+), personas, usage, password,
// sessions and "log out everywhere".
import { del, errorMessage, get, patch, post, upload } from '../api.js';
import { h } from '../dom.js';
import { LANGUAGES, LANGUAGE_NAMES, formatDate, formatRelative, setLanguage, t } from '../i18n.js';
import { forgetDrafts, getState, saveTokens, setState } from '../store.js';
import { navigate } from '../router.js';
import { avatar } from '../components/avatar.js';
import { confirmDialog, openDialog } from '../components/dialog.js';
import { field, formBanner, showFormError, submitButton } from '../components/form.js';
import { icon } from '../components/icons.js';
import { cropToSquare } from '../components/image-crop.js';
import { toast } from '../components/toast.js';
import { usageMeter } from '../components/usage-meter.js';

function isAdult(birthdate) {
  if (!birthdate) return false;
  const born = new Date(`${birthdate}T00:00:00`);
  const now = new Date();
  let age = now.getFullYear() - born.getFullYear();
  if (now.getMonth() < born.getMonth() || (now.getMonth() === born.getMonth() && now.getDate() < born.getDate())) age -= 1;
  return age >= 18;
}

const card = (title, ...children) => h('section', { class: 'card stack' }, h('h2', { class: 'card-title', text: title }), ...children);

function profileCard(user) {
  const fields = {
    display_name: field({ name: 'display_name', label: t('auth.display_name'), value: user.display_name || '', max: 64 }),
    birthdate: field({ name: 'birthdate', label: t('profile.birthdate'), type: 'date', value: user.birthdate || '', hint: t('profile.birthdate_hint') }),
    locale: field({ name: 'locale', label: t('profile.language'), value: user.locale, options: LANGUAGES.map((l) => [l, LANGUAGE_NAMES[l]]) }),
  };
  const nsfwInput = h('input', { type: 'checkbox', checked: user.show_nsfw, disabled: !isAdult(user.birthdate) });
  const nsfwHint = h('p', { class: 'field-hint', text: isAdult(user.birthdate) ? t('profile.nsfw_hint') : t('profile.nsfw_adults_only') });
  fields.birthdate.input.addEventListener('change', () => {
    const adult = isAdult(fields.birthdate.input.value);
    nsfwInput.disabled = !adult;
    if (!adult) nsfwInput.checked = false;
    nsfwHint.textContent = adult ? t('profile.nsfw_hint') : t('profile.nsfw_adults_only');
  });
  const banner = formBanner();
  const button = submitButton(t('common.save'));
  const avatarHolder = h('div', {}, avatar(user.display_name || user.username, user.avatar_url, { size: 72 }));
  const fileInput = h('input', { type: 'file', accept: 'image/png,image/jpeg,image/webp', class: 'visually-hidden', tabindex: '-1', 'aria-label': t('profile.change_avatar') });
  fileInput.addEventListener('change', async () => {
    const file = fileInput.files[0];
    fileInput.value = '';
    if (!file) return;
    try {
      const blob = await cropToSquare(file);
      if (!blob) return;
      const result = await upload('/me/avatar', blob, { filename: 'avatar.png' });
      setState({ user: { ...getState().user, avatar_url: result.avatar_url } });
      avatarHolder.replaceChildren(avatar(user.display_name || user.username, result.avatar_url, { size: 72 }));
      toast(t('profile.avatar_saved'), { type: 'success' });
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
    }
  });
  const form = h('form', { class: 'stack', novalidate: true });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.busy(true);
    const body = { display_name: fields.display_name.input.value.trim() || null, locale: fields.locale.input.value, show_nsfw: nsfwInput.checked };
    if (fields.birthdate.input.value && fields.birthdate.input.value !== user.birthdate) body.birthdate = fields.birthdate.input.value;
    // An empty field clears the display name: null (an empty string is refused with a 422).
    try {
      const updated = await patch('/me', body);
      setState({ user: updated });
      toast(t('profile.saved'), { type: 'success' });
      if (updated.locale !== document.documentElement.lang) {
        await setLanguage(updated.locale);
        navigate('/profile', { replace: true });
      }
    } catch (error) {
      showFormError(error, { ...fields, show_nsfw: { setError: (m) => { nsfwHint.textContent = m || nsfwHint.textContent; }, input: nsfwInput } }, banner);
    } finally {
      button.busy(false);
    }
  });
  form.append(
    banner,
    h('div', { class: 'profile-head' }, avatarHolder, h('div', { class: 'stack-sm' }, h('div', {}, h('b', { text: user.display_name || user.username }), h('div', { class: 'small muted', text: `@${user.username} · ${user.email}` })), h('div', {}, h('button', { class: 'btn btn-sm', type: 'button', onclick: () => fileInput.click() }, icon('image'), t('profile.change_avatar')), fileInput))),
    h('div', { class: 'form-grid' }, fields.display_name, fields.locale, fields.birthdate),
    h('label', { class: 'switch' }, nsfwInput, h('span', { class: 'track' }), h('span', {}, t('profile.show_nsfw'))),
    nsfwHint,
    h('div', { class: 'form-actions' }, button),
  );
  return card(t('profile.section_profile'), form);
}

function personaDialog(persona) {
  return openDialog((dialog, close) => {
    const fields = {
      name: field({ name: 'name', label: t('profile.persona_name'), value: persona?.name || '', max: 64, required: true }),
      description: field({ name: 'description', label: t('profile.persona_description'), value: persona?.description || '', max: 4000, multiline: true, rows: 5, hint: t('profile.persona_description_hint') }),
    };
    const isDefault = h('input', { type: 'checkbox', checked: persona?.is_default });
    const banner = formBanner();
    const button = submitButton(t('common.save'));
    const form = h('form', { class: 'stack', novalidate: true });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!fields.name.input.value.trim()) return fields.name.setError(t('validation.required'));
      button.busy(true);
      const body = { name: fields.name.input.value.trim(), description: fields.description.input.value, is_default: isDefault.checked };
      try {
        close(persona ? await patch(`/me/personas/${persona.id}`, body) : await post('/me/personas', body));
      } catch (error) {
        showFormError(error, fields, banner);
        button.busy(false);
      }
    });
    form.append(h('h2', { text: persona ? t('profile.persona_edit') : t('profile.persona_new') }), banner, fields.name, fields.description, h('label', { class: 'check' }, isDefault, h('span', { text: t('profile.persona_default') })), h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(null) }), button));
    dialog.append(form);
  }, { wide: true, label: t('profile.personas') });
}

function personasCard() {
  const list = h('div', {}, h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
  const load = async () => {
    try {
      const personas = await get('/me/personas');
      list.replaceChildren(
        ...(personas.length
          ? personas.map((p) =>
              h(
                'div',
                { class: 'persona' },
                avatar(p.name, null, { size: 36 }),
                h('div', { class: 'grow' }, h('div', { class: 'row' }, h('b', { text: p.name }), p.is_default && h('span', { class: 'badge badge-accent', text: t('profile.persona_is_default') })), h('p', { class: 'small muted', text: p.description.slice(0, 200) })),
                h('button', { class: 'icon-btn', type: 'button', 'aria-label': `${t('common.edit')}: ${p.name}`, onclick: async () => (await personaDialog(p)) && load() }, icon('edit')),
                h('button', {
                  class: 'icon-btn',
                  type: 'button',
                  'aria-label': `${t('common.delete')}: ${p.name}`,
                  onclick: async () => {
                    if (!(await confirmDialog({ title: t('profile.persona_delete', { name: p.name }), confirm: t('common.delete'), danger: true }))) return;
                    try {
                      await del(`/me/personas/${p.id}`);
                      load();
                    } catch (error) {
                      toast(errorMessage(error), { type: 'error' });
                    }
                  },
                }, icon('trash')),
              ),
            )
          : [h('p', { class: 'muted small', text: t('profile.personas_empty') })]),
      );
    } catch (error) {
      list.replaceChildren(h('div', { class: 'alert alert-error', text: errorMessage(error) }));
    }
  };
  load();
  return card(t('profile.personas'), h('p', { class: 'small muted', text: t('profile.personas_hint') }), list, h('div', {}, h('button', { class: 'btn', type: 'button', onclick: async () => (await personaDialog(null)) && load() }, icon('plus'), t('profile.persona_new'))));
}

function passwordCard() {
  const fields = {
    current_password: field({ name: 'current_password', label: t('profile.current_password'), type: 'password', autocomplete: 'current-password', counter: false }),
    new_password: field({ name: 'new_password', label: t('auth.new_password'), type: 'password', autocomplete: 'new-password', hint: t('auth.password_hint'), counter: false }),
  };
  const banner = formBanner();
  const button = submitButton(t('profile.change_password'));
  const form = h('form', { class: 'stack', novalidate: true });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (fields.new_password.input.value.length < 8) return fields.new_password.setError(t('validation.password_length'));
    button.busy(true);
    try {
      await post('/auth/password/change', { current_password: fields.current_password.input.value, new_password: fields.new_password.input.value });
      form.reset();
      toast(t('profile.password_changed'), { type: 'success' });
    } catch (error) {
      if (error.code === 'wrong_password') fields.current_password.setError(errorMessage(error));
      else showFormError(error, fields, banner);
    } finally {
      button.busy(false);
    }
  });
  form.append(banner, h('div', { class: 'form-grid' }, fields.current_password, fields.new_password), h('div', { class: 'form-actions' }, button));
  return card(t('profile.section_password'), form);
}

function sessionsCard() {
  const list = h('div', {}, h('div', { class: 'loading' }, h('span', { class: 'spinner' })));
  get('/me/sessions')
    .then((sessions) => {
      list.replaceChildren(
        ...sessions.map((s) =>
          h(
            'div',
            { class: 'session-row' },
            icon('globe'),
            h('div', { class: 'grow' }, h('div', { class: 'ellipsis', text: s.user_agent || t('profile.unknown_device') }), h('div', { class: 'muted', text: `${s.ip || ''} · ${t('profile.last_used', { when: formatRelative(s.last_used_at) })} · ${formatDate(s.created_at)}` })),
            s.current && h('span', { class: 'badge badge-success', text: t('profile.this_device') }),
          ),
        ),
      );
    })
    .catch((error) => list.replaceChildren(h('div', { class: 'alert alert-error', text: errorMessage(error) })));
  const everywhere = h('button', { class: 'btn btn-danger', type: 'button' }, icon('logout'), t('profile.logout_all'));
  everywhere.addEventListener('click', async () => {
    if (!(await confirmDialog({ title: t('profile.logout_all'), text: t('profile.logout_all_text'), confirm: t('profile.logout_all'), danger: true }))) return;
    try {
      await post('/auth/logout-all');
      saveTokens(null);
      forgetDrafts();
      setState({ user: null });
      toast(t('profile.logged_out_all'), { type: 'success' });
      navigate('/signin');
    } catch (error) {
      toast(errorMessage(error), { type: 'error' });
    }
  });
  return card(t('profile.sessions'), list, h('div', {}, everywhere));
}

export default function mount(root) {
  document.title = `${t('nav.profile')} · Hearth`;
  const user = getState().user;
  if (!user) return;
  const usage = usageMeter();
  const usageCard = card(t('usage.title'), usage);
  usageCard.hidden = true;
  // The meter reveals itself when the API answers; the card follows it.
  new MutationObserver(() => {
    usageCard.hidden = usage.hidden || !usage.isConnected;
  }).observe(usageCard, { subtree: true, childList: true, attributes: true });
  root.append(
    h(
      'div',
      { class: 'page page-narrow' },
      h('div', { class: 'page-head' }, h('div', {}, h('h1', { text: t('nav.profile') }), h('p', { text: t('profile.subtitle') }))),
      h('div', { class: 'profile-grid' }, profileCard(user), usageCard, personasCard(), passwordCard(), sessionsCard()),
    ),
  );
}
