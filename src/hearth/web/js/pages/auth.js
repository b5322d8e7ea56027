// Sign up, sign in, verify email, forgot and reset password.
import { ApiError, errorMessage, post } from '../api.js';
import { h } from '../dom.js';
import { language, t } from '../i18n.js';
import { saveTokens } from '../store.js';
import { navigate } from '../router.js';
import { field, formBanner, showFormError, submitButton } from '../components/form.js';
import { toast } from '../components/toast.js';
import { loadUser } from '../session.js';
import { emptyIcon, icon } from '../components/icons.js';

const USERNAME_RE = /^[a-z0-9_]{3,32}$/;

function shell(title, subtitle, ...body) {
  return h(
    'div',
    { class: 'auth-page' },
    h(
      'div',
      { class: 'auth-card card' },
      h('div', { class: 'auth-brand', 'aria-hidden': 'true' }, h('span', { class: 'brand-mark' }, icon('flame'))),
      h('h1', { class: 'auth-title', text: title }),
      subtitle && h('p', { class: 'auth-subtitle muted', text: subtitle }),
      ...body,
    ),
  );
}

function safeNext(query) {
  const next = query.next || '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

async function signInWith(login, password, query) {
  const pair = await post('/auth/login', { login, password }, { auth: false });
  saveTokens(pair);
  await loadUser();
  navigate(safeNext(query), { replace: true });
}

function checkEmailPanel(email) {
  const status = h('p', { class: 'small muted', 'aria-live': 'polite' });
  const resend = h('button', {
    class: 'btn btn-ghost',
    type: 'button',
    text: t('auth.resend'),
    onclick: async () => {
      resend.disabled = true;
      try {
        await post('/auth/verify-email/resend', { email }, { auth: false });
        status.textContent = t('auth.resent');
      } catch (error) {
        status.textContent = errorMessage(error);
        resend.disabled = false;
      }
    },
  });
  return shell(
    t('auth.check_email_title'),
    t('auth.check_email_text', { email }),
    emptyIcon('send'),
    h('div', { class: 'stack' }, resend, status, h('a', { class: 'btn btn-primary', href: '#/signin', text: t('auth.go_sign_in') })),
  );
}

function signInPage(root, query) {
  const fields = {
    login: field({ name: 'login', label: t('auth.login_label'), autocomplete: 'username', required: true, max: 254, counter: false }),
    password: field({ name: 'password', label: t('auth.password'), type: 'password', autocomplete: 'current-password', required: true, counter: false }),
  };
  const banner = formBanner();
  const button = submitButton(t('auth.sign_in'), { className: 'btn btn-primary btn-lg btn-block' });
  const form = h(
    'form',
    {
      class: 'stack',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const login = fields.login.input.value.trim();
        const password = fields.password.input.value;
        fields.login.setError(login ? '' : t('validation.required'));
        fields.password.setError(password ? '' : t('validation.required'));
        if (!login || !password) return;
        button.busy(true);
        try {
          await signInWith(login, password, query);
        } catch (error) {
          if (error instanceof ApiError && error.code === 'email_not_verified' && login.includes('@')) {
            root.replaceChildren(checkEmailPanel(login));
            return;
          }
          showFormError(error, fields, banner);
        } finally {
          button.busy(false);
        }
      },
    },
    banner,
    fields.login,
    fields.password,
    h('div', { class: 'row' }, h('span', { class: 'spacer' }), h('a', { href: '#/forgot-password', class: 'small', text: t('auth.forgot_link') })),
    button,
  );
  root.append(shell(t('auth.sign_in_title'), t('auth.sign_in_subtitle'), form, h('p', { class: 'auth-foot muted' }, t('auth.no_account'), ' ', h('a', { href: '#/signup', text: t('auth.sign_up') }))));
  fields.login.input.focus();
}

function signUpPage(root, query) {
  const fields = {
    email: field({ name: 'email', label: t('auth.email'), type: 'email', autocomplete: 'email', required: true, max: 254, counter: false }),
    username: field({ name: 'username', label: t('auth.username'), autocomplete: 'username', required: true, max: 32, hint: t('auth.username_hint') }),
    display_name: field({ name: 'display_name', label: t('auth.display_name'), autocomplete: 'nickname', max: 64, hint: t('common.optional') }),
    password: field({ name: 'password', label: t('auth.password'), type: 'password', autocomplete: 'new-password', required: true, hint: t('auth.password_hint'), counter: false }),
    birthdate: field({ name: 'birthdate', label: t('profile.birthdate'), type: 'date', hint: t('auth.birthdate_hint') }),
  };
  const banner = formBanner();
  const button = submitButton(t('auth.create_account'), { className: 'btn btn-primary btn-lg btn-block' });
  const problems = {
    email: (v) => (!v.trim() ? t('validation.required') : !fields.email.input.checkValidity() ? t('validation.email') : ''),
    username: (v) => (!v.trim() ? t('validation.required') : !USERNAME_RE.test(v.trim().toLowerCase()) ? t('auth.username_hint') : ''),
    password: (v) => (v.length < 8 ? t('validation.password_length') : ''),
  };
  /** One field's error shown (or cleared); true when it is fine. */
  const check = (name) => {
    const message = problems[name](fields[name].input.value);
    fields[name].setError(message);
    return !message;
  };
  /** Every field, on submit: focus goes to the first wrong one. */
  const validate = () => {
    const wrong = Object.keys(problems).filter((name) => !check(name));
    if (wrong.length) fields[wrong[0]].input.focus();
    return !wrong.length;
  };
  // Leaving a field checks that field only, and never moves the focus: the user is on
  // their way to the next one (typing into it would otherwise land in the wrong field).
  for (const name of Object.keys(problems)) {
    fields[name].input.addEventListener('blur', () => {
      if (fields[name].input.value) check(name);
    });
  }
  const form = h(
    'form',
    {
      class: 'stack',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        if (!validate()) return;
        button.busy(true);
        const body = {
          email: fields.email.input.value.trim(),
          username: fields.username.input.value.trim().toLowerCase(),
          password: fields.password.input.value,
          locale: language(),
        };
        if (fields.display_name.input.value.trim()) body.display_name = fields.display_name.input.value.trim();
        if (fields.birthdate.input.value) body.birthdate = fields.birthdate.input.value;
        try {
          await post('/auth/register', body, { auth: false });
        } catch (error) {
          showFormError(error, fields, banner);
          button.busy(false);
          return;
        }
        try {
          await signInWith(body.username, body.password, query);
          toast(t('auth.welcome'), { type: 'success' });
        } catch (error) {
          if (error instanceof ApiError && error.code === 'email_not_verified') root.replaceChildren(checkEmailPanel(body.email));
          else showFormError(error, fields, banner);
        } finally {
          button.busy(false);
        }
      },
    },
    banner,
    fields.email,
    fields.username,
    fields.display_name,
    fields.password,
    fields.birthdate,
    button,
  );
  root.append(shell(t('auth.sign_up_title'), t('auth.sign_up_subtitle'), form, h('p', { class: 'auth-foot muted' }, t('auth.have_account'), ' ', h('a', { href: '#/signin', text: t('auth.sign_in') }))));
  fields.email.input.focus();
}

function forgotPage(root) {
  const fields = { email: field({ name: 'email', label: t('auth.email'), type: 'email', autocomplete: 'email', required: true, counter: false }) };
  const banner = formBanner();
  const button = submitButton(t('auth.send_link'), { className: 'btn btn-primary btn-lg btn-block' });
  const form = h(
    'form',
    {
      class: 'stack',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const email = fields.email.input.value.trim();
        if (!email || !fields.email.input.checkValidity()) {
          fields.email.setError(email ? t('validation.email') : t('validation.required'));
          return;
        }
        button.busy(true);
        try {
          await post('/auth/password/forgot', { email }, { auth: false });
          root.replaceChildren(shell(t('auth.check_email_title'), t('auth.reset_sent', { email }), emptyIcon('send'), h('a', { class: 'btn btn-primary btn-block', href: '#/signin', text: t('auth.go_sign_in') })));
        } catch (error) {
          showFormError(error, fields, banner);
        } finally {
          button.busy(false);
        }
      },
    },
    banner,
    fields.email,
    button,
  );
  root.append(shell(t('auth.forgot_title'), t('auth.forgot_subtitle'), form, h('p', { class: 'auth-foot muted' }, h('a', { href: '#/signin', text: t('auth.back_to_sign_in') }))));
  fields.email.input.focus();
}

function resetPage(root, query) {
  const fields = {
    password: field({ name: 'password', label: t('auth.new_password'), type: 'password', autocomplete: 'new-password', required: true, hint: t('auth.password_hint'), counter: false }),
    confirm: field({ name: 'confirm', label: t('auth.confirm_password'), type: 'password', autocomplete: 'new-password', required: true, counter: false }),
  };
  const banner = formBanner();
  const button = submitButton(t('auth.set_password'), { className: 'btn btn-primary btn-lg btn-block' });
  if (!query.token) banner.append(h('div', { class: 'alert alert-error', text: t('auth.link_invalid') }));
  const form = h(
    'form',
    {
      class: 'stack',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const password = fields.password.input.value;
        fields.password.setError(password.length < 8 ? t('validation.password_length') : '');
        fields.confirm.setError(fields.confirm.input.value !== password ? t('validation.passwords_differ') : '');
        if (password.length < 8 || fields.confirm.input.value !== password) return;
        button.busy(true);
        try {
          await post('/auth/password/reset', { token: query.token || '', password }, { auth: false });
          toast(t('auth.password_set'), { type: 'success' });
          navigate('/signin', { replace: true });
        } catch (error) {
          const placed = showFormError(error, { password: fields.password, confirm: fields.confirm }, banner);
          if (!placed && error instanceof ApiError && error.fieldErrors.token) {
            banner.replaceChildren(h('div', { class: 'alert alert-error', text: t('auth.link_invalid') }));
          }
        } finally {
          button.busy(false);
        }
      },
    },
    banner,
    fields.password,
    fields.confirm,
    button,
  );
  root.append(shell(t('auth.reset_title'), t('auth.reset_subtitle'), form));
}

async function verifyPage(root, query) {
  const status = h('div', { class: 'stack', 'aria-live': 'polite' }, h('div', { class: 'loading' }, h('span', { class: 'spinner' }), t('auth.verifying')));
  root.append(shell(t('auth.verify_title'), '', status));
  try {
    if (!query.token) throw new ApiError(400, 'token_invalid');
    await post('/auth/verify-email', { token: query.token }, { auth: false });
    status.replaceChildren(
      h('div', { class: 'alert alert-success', text: t('auth.verified') }),
      h('a', { class: 'btn btn-primary btn-lg btn-block', href: '#/signin', text: t('auth.go_sign_in') }),
    );
  } catch (error) {
    status.replaceChildren(
      h('div', { class: 'alert alert-error', text: error instanceof ApiError && error.status < 500 ? t('auth.link_invalid') : errorMessage(error) }),
      h('a', { class: 'btn btn-ghost btn-block', href: '#/signin', text: t('auth.back_to_sign_in') }),
    );
  }
}

export default function mount(root, { path, query }) {
  document.title = `${t(`auth.title_${path.slice(1).replace('-', '_')}`)} · Hearth`;
  if (path === '/signin') signInPage(root, query);
  else if (path === '/signup') signUpPage(root, query);
  else if (path === '/forgot-password') forgotPage(root, query);
  else if (path === '/reset-password') resetPage(root, query);
  else verifyPage(root, query);
}
