// One generation seen from the browser: send / regenerate / continue / re-attach, over SSE.
// The assistant message object is mutated in place; the page re-renders it on each callback.
import { ApiError, errorMessage, post, stream } from './api.js';
import { t } from './i18n.js';
import { toast } from './components/toast.js';

// While the server writes the reply the browser keeps coming back for it, however long the
// network is gone: giving up would leave a reply the page can neither show nor stop.
const RETRY_DELAYS_MS = [500, 1500, 3000, 6000, 10000];

function retryDelay(attempt) {
  return RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)];
}

/** Wait `ms`, or less: the network coming back or the tab being shown again ends the wait. */
function pause(ms, signal) {
  return new Promise((resolve) => {
    const wake = () => {
      clearTimeout(timer);
      window.removeEventListener('online', wake);
      document.removeEventListener('visibilitychange', onVisible);
      signal.removeEventListener('abort', wake);
      resolve();
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') wake();
    };
    const timer = setTimeout(wake, ms);
    window.addEventListener('online', wake);
    document.addEventListener('visibilitychange', onVisible);
    signal.addEventListener('abort', wake);
  });
}

/** Where, in text persisted before a reload, the part being replayed begins. */
function replayBase(persisted, replayed) {
  if (!persisted || !replayed) return persisted && !replayed ? null : '';
  for (let p = 0; p <= persisted.length; p += 1) {
    const rest = persisted.slice(p);
    if (replayed.startsWith(rest) || rest.startsWith(replayed)) return persisted.slice(0, p);
  }
  return '';
}

export class GenerationStream {
  /** handlers: {onUserMessage(tempId, stored), onStart(oldId, message), onChange(message), onEnd(message)} */
  constructor(chatId, handlers) {
    this.chatId = chatId;
    this.handlers = handlers;
    this.controller = new AbortController();
    this.lastId = null;
    this.message = null;
    this.finished = false;
    this.detached = false;
    this.stopWanted = false;
    this.userStored = false;
    this.scheduled = false;
    this.replay = null; // {persisted, text, base} while re-attaching after a reload
    this.refusal = null; // the ApiError of a request refused before anything was stored
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** POST a user message; resolves false when nothing was stored (the caller undoes its bubbles). */
  async send(text, tempUser, tempAi) {
    this.message = tempAi;
    this.tempUser = tempUser;
    try {
      await this.run('POST', `/chats/${this.chatId}/messages`, { content: text });
      return true;
    } catch (error) {
      if (this.userStored || this.message.id !== tempAi.id) {
        this.fail(error);
        return true;
      }
      this.refuse(error);
      return false;
    }
  }

  /** Regenerate (a new swipe) or continue the given assistant message. */
  async rerun(message, mode) {
    this.message = message;
    const before = { content: message.content, swipes: [...(message.swipes || [])], swipe_index: message.swipe_index, status: message.status, error: message.error };
    if (mode === 'regenerate') {
      message.swipes = [...(message.swipes || [message.content]), ''];
      message.swipe_index = message.swipes.length - 1;
      message.content = '';
    }
    message.status = 'streaming';
    message.error = null;
    this.handlers.onChange(message);
    const action = mode === 'continue' ? 'continue' : 'regenerate';
    try {
      await this.run('POST', `/chats/${this.chatId}/messages/${message.id}/${action}`);
    } catch (error) {
      if (this.lastId === null) {
        Object.assign(message, before);
        this.refuse(error);
      } else this.fail(error);
    }
  }

  /** A first reply to the user's latest message, which has none: streams a new assistant message. */
  async answer(userMessage, tempAi) {
    this.message = tempAi;
    try {
      await this.run('POST', `/chats/${this.chatId}/messages/${userMessage.id}/regenerate`);
      return true;
    } catch (error) {
      if (!String(this.message.id).startsWith('tmp-')) {
        this.fail(error);
        return true;
      }
      this.refuse(error);
      return false;
    }
  }

  /** The request was refused before anything was stored: say why, and end. */
  refuse(error) {
    this.refusal = error;
    this.finish();
    if (!this.detached) toast(errorMessage(error), { type: 'error' });
  }

  /** Re-attach to a generation that was running when the page loaded; events replay from the start. */
  async attach(message) {
    this.message = message;
    this.replay = { persisted: message.content || '', text: '', base: null };
    try {
      await this.run('GET', `/chats/${this.chatId}/messages/${message.id}/stream`);
    } catch (error) {
      this.fail(error);
    }
  }

  async stop() {
    this.stopWanted = true;
    if (this.message && !String(this.message.id).startsWith('tmp-')) {
      try {
        await post(`/chats/${this.chatId}/messages/${this.message.id}/stop`);
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 409)) toast(errorMessage(error), { type: 'error' });
      }
    }
  }

  /** Leave the page: stop listening, let the generation run on. */
  detach() {
    this.detached = true;
    this.controller.abort();
    this.finish();
  }

  // --- internals ---
  async run(method, path, body) {
    let attempt = 0;
    for (;;) {
      try {
        const reattach = attempt > 0;
        await stream(reattach ? 'GET' : method, reattach ? `/chats/${this.chatId}/messages/${this.message.id}/stream` : path, {
          body: reattach ? undefined : body,
          lastEventId: reattach ? this.lastId : undefined,
          signal: this.controller.signal,
          onEvent: (event) => this.onEvent(event),
        });
        if (this.finished) return;
        throw new TypeError('stream ended early');
      } catch (error) {
        if (this.detached || this.finished) return;
        const canReattach = !(error instanceof ApiError) && !String(this.message.id).startsWith('tmp-');
        if (!canReattach) {
          this.setReconnecting(false);
          throw error;
        }
        // The first quick retry covers a blip; after that the reply says it is reconnecting.
        if (attempt > 0) this.setReconnecting(true);
        await pause(retryDelay(attempt), this.controller.signal);
        attempt += 1;
      }
    }
  }

  /** The message shows "connection lost, reconnecting…" while `on`; it is the page's flag, not the server's. */
  setReconnecting(on) {
    if (!this.message || Boolean(this.message.reconnecting) === on) return;
    this.message.reconnecting = on;
    this.handlers.onChange(this.message);
  }

  onEvent({ event, id, data }) {
    if (id !== null && id !== undefined) this.lastId = id;
    const message = this.message;
    if (message.reconnecting) this.setReconnecting(false);
    if (event === 'user_message') {
      this.userStored = true;
      if (this.tempUser) this.handlers.onUserMessage(this.tempUser.id, data);
    } else if (event === 'start') {
      const oldId = message.id;
      if (data.message_id) message.id = data.message_id;
      if (data.model) message.model = data.model;
      message.status = 'streaming';
      this.handlers.onStart(oldId, message);
      if (this.stopWanted) this.stop();
    } else if (event === 'delta') {
      const text = data.text || '';
      if (this.replay) {
        this.replay.text += text;
      } else message.content += text;
      this.schedule();
    } else if (event === 'done') {
      Object.assign(message, data);
      this.replay = null;
      this.finish();
      this.handlers.onEnd(message);
    } else if (event === 'error') {
      const stored = data.assistant_message || (data.message && typeof data.message === 'object' ? data.message : null);
      if (stored) Object.assign(message, stored);
      else {
        message.status = message.content ? 'interrupted' : 'error';
        message.error = { code: data.code, message: data.message };
      }
      this.replay = null;
      this.finish();
      this.handlers.onEnd(message);
    }
  }

  schedule() {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      if (this.finished) return;
      const replay = this.replay;
      if (replay) {
        if (replay.base === null) replay.base = replayBase(replay.persisted, replay.text);
        if (replay.base !== null) this.message.content = replay.base + replay.text;
      }
      this.handlers.onChange(this.message);
    });
  }

  fail(error) {
    const message = this.message;
    if (!this.detached && message && !this.finished) {
      message.status = message.content ? 'interrupted' : 'error';
      message.error = { code: error?.code || 'network', message: errorMessage(error) || t('chat.error_generic') };
      this.finish();
      this.handlers.onEnd(message);
    }
    this.finish();
  }

  finish() {
    if (this.message) this.message.reconnecting = false;
    if (!this.finished) {
      this.finished = true;
      this.resolveDone();
    }
  }
}
