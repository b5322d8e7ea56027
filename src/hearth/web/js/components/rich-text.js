// Roleplay formatting — *actions*, "speech", **bold**, `code`, ```blocks```, paragraphs —
// built from text nodes only: whatever HTML a model writes is shown as text, never parsed.
import { h } from '../dom.js';

// An action still open at the end of a line (`*she smiles` while streaming) is italic too,
// so text does not jump from plain to italic when the closing star arrives.
// ***both*** comes before **bold**: otherwise its first star starts nothing and its last one
// opens an action that runs to the end of the line.
const INLINE = /(`[^`\n]+`)|(\*\*\*[^*\n]+?\*\*\*)|(\*\*[^*\n]+?\*\*)|(\*[^*\n]+?\*)|(_[^_\n]+?_)|("[^"\n]+?"|“[^”\n]+?”|«[^»\n]+?»)|(\*[^*\n]+$)/g;

function inline(text, depth = 0) {
  const out = [];
  let last = 0;
  INLINE.lastIndex = 0;
  const matches = [...text.matchAll(INLINE)];
  for (const m of matches) {
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    const [whole, code, boldItalic, bold, action, underscore, quote, openAction] = m;
    if (code) out.push(h('code', { text: code.slice(1, -1) }));
    else if (boldItalic) out.push(h('strong', {}, h('em', {}, depth < 3 ? inline(boldItalic.slice(3, -3), depth + 1) : boldItalic.slice(3, -3))));
    else if (bold) out.push(h('strong', {}, depth < 3 ? inline(bold.slice(2, -2), depth + 1) : bold.slice(2, -2)));
    else if (action) out.push(h('em', { class: 'rp-action' }, depth < 3 ? inline(action.slice(1, -1), depth + 1) : action.slice(1, -1)));
    else if (underscore) out.push(h('em', {}, underscore.slice(1, -1)));
    else if (quote) {
      const inner = quote.slice(1, -1);
      out.push(h('span', { class: 'rp-quote' }, quote[0], depth < 3 ? inline(inner, depth + 1) : inner, quote.slice(-1)));
    }
    else if (openAction) out.push(h('em', { class: 'rp-action' }, openAction.slice(1)));
    else out.push(document.createTextNode(whole));
    last = m.index + whole.length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

function paragraph(text) {
  const p = document.createElement('p');
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (i) p.append(document.createElement('br'));
    p.append(...inline(line));
  });
  return p;
}

/** A fragment with the formatted text; `macros` replaces {{char}}/{{user}}. */
export function richText(text, macros = null) {
  let source = String(text ?? '');
  if (macros) {
    source = source.replace(/\{\{\s*(char|user)\s*\}\}/gi, (m, name) => macros[name.toLowerCase()] ?? m);
  }
  const fragment = document.createDocumentFragment();
  const parts = source.split(/```/);
  parts.forEach((part, index) => {
    if (index % 2 === 1) {
      // Inside a fenced block: the first line may name the language; keep the text verbatim.
      const body = part.replace(/^[\w+-]*\n/, '');
      fragment.append(h('pre', { class: 'rp-code' }, h('code', { text: body.replace(/\n$/, '') })));
      return;
    }
    for (const block of part.split(/\n{2,}/)) {
      const trimmed = block.replace(/^\n+|\n+$/g, '');
      if (trimmed) fragment.append(paragraph(trimmed));
    }
  });
  return fragment;
}

/** Plain text for copying / previews: the raw text without formatting marks. */
export function plainPreview(text, max = 120) {
  const flat = String(text ?? '').replace(/[*_`]/g, '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
