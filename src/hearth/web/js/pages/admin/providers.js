// Admin providers: what is configured (env and stored), add / edit / enable / delete stored
// ones, run the check, and choose the default and fallback models. Keys are write-only: the
// API never returns them, and the key field is never pre-filled.
import { errorMessage, del, get, patch, post, put } from '../../api.js';
import { h } from '../../dom.js';
import { t } from '../../i18n.js';
import { confirmDialog, openDialog } from '../../components/dialog.js';
import { field, formBanner, showFormError, submitButton } from '../../components/form.js';
import { toast } from '../../components/toast.js';
import { statusBadge, table } from './common.js';

const KINDS = ['openai', 'openrouter', 'anthropic', 'gemini', 'yandex', 'local'];
// Vendors' names are names in every language; only "local" and the server's states are words.
const BRANDS = { openai: 'OpenAI', openrouter: 'OpenRouter', anthropic: 'Anthropic', gemini: 'Gemini', yandex: 'Yandex' };
const kindLabel = (kind) => (kind === 'local' ? t('admin.kind_local') : BRANDS[kind] || kind);
const sourceLabel = (source) => ({ env: t('admin.source_env'), database: t('admin.source_database') })[source] || source;
const CIRCUIT_BADGE = { closed: 'badge-success', open: 'badge-danger', half_open: 'badge-warning' };
function circuitBadge(state) {
  const label = { closed: t('admin.circuit_closed'), open: t('admin.circuit_open'), half_open: t('admin.circuit_half_open') }[state] || state;
  return h('span', { class: `badge circuit-state ${CIRCUIT_BADGE[state] || ''}`, dataset: { state }, text: label });
}
const fail = (error) => toast(errorMessage(error), { type: 'error' });

/** Add (provider = null) or edit a stored provider; resolves true when saved. */
function providerDialog(provider) {
  return openDialog((dialog, close) => {
    const fields = {
      kind: field({ name: 'kind', label: t('admin.kind'), options: KINDS.map((k) => [k, kindLabel(k)]), value: provider?.kind || 'openai' }),
      name: field({ name: 'name', label: t('admin.provider_name'), max: 32, value: provider?.name || '', required: true, hint: t('admin.provider_name_hint') }),
      base_url: field({ name: 'base_url', label: t('admin.base_url'), type: 'url', max: 500, counter: false, value: provider?.base_url || '', placeholder: 'https://…', span: true }),
      // YandexGPT only: its key works inside one Yandex Cloud folder, sent with every request.
      folder_id: field({ name: 'folder_id', label: t('admin.folder_id'), max: 64, counter: false, value: provider?.folder_id || '', required: true, placeholder: 'b1g…', hint: t('admin.folder_id_hint'), span: true }),
      api_key: field({
        name: 'api_key',
        label: t('admin.api_key'),
        type: 'password',
        autocomplete: 'new-password',
        span: true,
        hint: provider ? (provider.has_key ? t('admin.api_key_keep') : t('admin.api_key_none')) : t('admin.api_key_hint'),
      }),
    };
    if (provider) fields.name.input.readOnly = true;
    const isYandex = () => fields.kind.input.value === 'yandex';
    const showFolder = () => {
      fields.folder_id.hidden = !isYandex();
      if (!isYandex()) fields.folder_id.setError('');
    };
    fields.kind.input.addEventListener('change', showFolder);
    showFolder();
    const remove = provider?.has_key && h('label', { class: 'check span-2' }, h('input', { type: 'checkbox', name: 'remove_key' }), h('span', { text: t('admin.api_key_remove') }));
    const enabled = h('label', { class: 'check span-2' }, h('input', { type: 'checkbox', name: 'enabled', checked: provider ? provider.enabled : true }), h('span', { text: t('admin.enabled') }));
    const banner = formBanner();
    const button = submitButton(t('common.save'));
    const form = h(
      'form',
      { class: 'stack', novalidate: true },
      h('h2', { text: provider ? t('admin.edit_provider', { name: provider.name }) : t('admin.add_provider') }),
      h('div', { class: 'form-grid' }, fields.kind, fields.name, fields.base_url, fields.folder_id, fields.api_key, remove, enabled),
      banner,
      h('div', { class: 'form-actions' }, h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(false) }), button),
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = fields.name.input.value.trim();
      if (!name) {
        fields.name.setError(t('validation.required'));
        fields.name.input.focus();
        return;
      }
      const folder = fields.folder_id.input.value.trim();
      if (isYandex() && !folder) {
        fields.folder_id.setError(t('admin.folder_id_required'));
        fields.folder_id.input.focus();
        return;
      }
      const body = { kind: fields.kind.input.value, base_url: fields.base_url.input.value.trim() || null, enabled: form.elements.enabled.checked };
      if (isYandex()) body.folder_id = folder;
      const key = fields.api_key.input.value;
      if (key) body.api_key = key;
      else if (form.elements.remove_key?.checked) body.api_key = null;
      button.busy(true);
      try {
        if (provider) await patch(`/admin/providers/${encodeURIComponent(provider.name)}`, body);
        else await post('/admin/providers', { ...body, name });
        fields.api_key.input.value = '';
        toast(t('admin.provider_saved'), { type: 'success' });
        close(true);
      } catch (error) {
        showFormError(error, { ...fields, provider: fields.base_url }, banner);
      } finally {
        button.busy(false);
      }
    });
    dialog.append(form);
  }, { label: provider ? provider.name : t('admin.add_provider') });
}

function checkTable(found) {
  return table(
    [t('admin.provider'), t('chat.model'), t('admin.status'), t('admin.latency')],
    found.map((c) => h(
      'tr',
      { 'data-provider': c.provider },
      h('td', { text: c.provider }),
      h('td', { text: c.model }),
      // A disabled provider has not failed: it was not called.
      h('td', {}, c.disabled ? h('span', { class: 'badge check-disabled', text: t('admin.check_disabled') }) : statusBadge(c.ok, c.status, c.status)),
      h('td', { text: c.latency_ms === null ? '—' : `${c.latency_ms} ms` }),
    )),
  );
}

function modelsForm(models, reload) {
  const fields = {
    default_model: field({ name: 'default_model', label: t('admin.default_model_label'), value: models.configured_default_model || '', placeholder: models.default_model, hint: t('admin.model_hint') }),
    fallback_models: field({ name: 'fallback_models', label: t('admin.fallback_models'), value: models.fallback_models.join(', '), hint: t('admin.fallback_hint') }),
  };
  const banner = formBanner();
  const button = submitButton(t('common.save'), { className: 'btn btn-sm btn-primary' });
  const form = h(
    'form',
    { class: 'card stack-sm models-form', novalidate: true },
    h('h3', { text: t('admin.models_title') }),
    h('p', { class: 'small muted', text: t('admin.default_model', { model: models.default_model }) }),
    h('div', { class: 'form-grid' }, fields.default_model, fields.fallback_models),
    banner,
    h('div', { class: 'form-actions' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const fallback = fields.fallback_models.input.value.split(/[\s,]+/).map((m) => m.trim()).filter(Boolean);
    button.busy(true);
    try {
      await put('/admin/models', { default_model: fields.default_model.input.value.trim() || null, fallback_models: fallback });
      toast(t('admin.models_saved'), { type: 'success' });
      await reload();
    } catch (error) {
      showFormError(error, fields, banner);
    } finally {
      button.busy(false);
    }
  });
  return form;
}

export default async function providersSection(box) {
  const reload = () => providersSection(box).catch(fail);
  const [providers, models] = await Promise.all([get('/admin/providers'), get('/admin/models').catch(() => null)]);
  const results = h('div', { class: 'stack-sm', 'aria-live': 'polite' });
  const runCheck = async (button, path) => {
    button.disabled = true;
    results.replaceChildren(h('div', { class: 'progress indeterminate' }, h('span')));
    try {
      results.replaceChildren(checkTable(await post(path)));
    } catch (error) {
      results.replaceChildren();
      fail(error);
    } finally {
      button.disabled = false;
    }
  };
  const check = h('button', { class: 'btn', type: 'button', text: t('admin.check_providers') });
  check.addEventListener('click', () => runCheck(check, '/admin/providers/check'));
  const add = h('button', { class: 'btn btn-primary add-provider', type: 'button', text: t('admin.add_provider') });
  add.addEventListener('click', async () => {
    if (await providerDialog(null)) reload();
  });
  const row = (p) => {
    const stored = p.source !== 'env';
    const actions = h('div', { class: 'row-wrap' });
    const checkOne = h('button', { class: 'btn btn-sm', type: 'button', text: t('admin.check') });
    checkOne.addEventListener('click', () => runCheck(checkOne, `/admin/providers/${encodeURIComponent(p.name)}/check`));
    actions.append(checkOne);
    if (stored) {
      actions.append(
        h('button', {
          class: 'btn btn-sm edit-provider',
          type: 'button',
          text: t('common.edit'),
          onclick: async () => {
            if (await providerDialog(p)) reload();
          },
        }),
        h('button', {
          class: 'btn btn-sm toggle-provider',
          type: 'button',
          text: p.enabled ? t('admin.disable') : t('admin.enable'),
          onclick: async () => {
            try {
              await patch(`/admin/providers/${encodeURIComponent(p.name)}`, { enabled: !p.enabled });
              reload();
            } catch (error) {
              fail(error);
            }
          },
        }),
        h('button', {
          class: 'btn btn-sm btn-danger',
          type: 'button',
          text: t('common.delete'),
          onclick: async () => {
            if (!(await confirmDialog({ title: t('admin.delete_provider', { name: p.name }), confirm: t('common.delete'), danger: true }))) return;
            try {
              await del(`/admin/providers/${encodeURIComponent(p.name)}`);
              toast(t('admin.provider_deleted'), { type: 'success' });
              reload();
            } catch (error) {
              fail(error);
            }
          },
        }),
      );
    }
    return h(
      'tr',
      { 'data-name': p.name },
      h('td', {}, h('b', { text: p.name }), p.base_url && h('div', { class: 'muted', text: p.base_url })),
      h('td', { text: kindLabel(p.kind) }),
      h('td', { text: sourceLabel(p.source) }),
      h('td', {}, h('span', { class: `badge key-state ${p.has_key ? 'badge-success' : ''}`, text: p.has_key ? t('admin.key_set') : t('admin.key_missing') })),
      h('td', {}, statusBadge(p.enabled, t('admin.enabled'), t('admin.disabled'))),
      h('td', {}, circuitBadge(p.circuit)),
      h('td', {}, actions),
    );
  };
  box.replaceChildren(
    h('div', { class: 'row-wrap', style: { marginBottom: '16px' } }, add, check),
    table([t('admin.provider'), t('admin.kind'), t('admin.source'), t('admin.api_key'), t('admin.status'), t('admin.circuit'), ''], providers.map(row)),
    h('div', { style: { margin: '16px 0' } }, results),
    models && modelsForm(models, reload),
  );
}
