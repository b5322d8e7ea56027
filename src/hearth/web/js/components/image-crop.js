// Crop an image to a square on a canvas: drag to move, slider or wheel to zoom.
import { h } from '../dom.js';
import { t } from '../i18n.js';
import { openDialog } from './dialog.js';

const OUTPUT = 512;

function loadImage(file) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => resolve({ img, url });
    img.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('not an image'));
    };
    img.src = url;
  });
}

/** Resolves to a square PNG Blob, or null when cancelled. */
export async function cropToSquare(file) {
  const { img, url } = await loadImage(file);
  const canvas = h('canvas', { width: OUTPUT, height: OUTPUT, 'aria-label': t('crop.area'), role: 'img' });
  const ctx = canvas.getContext('2d');
  const base = OUTPUT / Math.min(img.naturalWidth, img.naturalHeight); // cover
  let zoom = 1;
  let x = (OUTPUT - img.naturalWidth * base) / 2;
  let y = (OUTPUT - img.naturalHeight * base) / 2;
  const clamp = () => {
    const w = img.naturalWidth * base * zoom;
    const hh = img.naturalHeight * base * zoom;
    x = Math.min(0, Math.max(OUTPUT - w, x));
    y = Math.min(0, Math.max(OUTPUT - hh, y));
  };
  const draw = () => {
    clamp();
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, OUTPUT, OUTPUT);
    ctx.drawImage(img, x, y, img.naturalWidth * base * zoom, img.naturalHeight * base * zoom);
  };
  const setZoom = (next, cx = OUTPUT / 2, cy = OUTPUT / 2) => {
    next = Math.min(4, Math.max(1, next));
    x = cx - ((cx - x) * next) / zoom;
    y = cy - ((cy - y) * next) / zoom;
    zoom = next;
    slider.value = String(zoom);
    draw();
  };
  const slider = h('input', { type: 'range', min: 1, max: 4, step: 0.01, value: 1, 'aria-label': t('crop.zoom'), class: 'grow' });
  slider.addEventListener('input', () => setZoom(Number(slider.value)));
  const stage = h('div', { class: 'crop-stage', tabindex: 0, 'aria-label': t('crop.hint') }, canvas);
  let drag = null;
  stage.addEventListener('pointerdown', (e) => {
    drag = { px: e.clientX, py: e.clientY, x, y };
    stage.setPointerCapture(e.pointerId);
  });
  stage.addEventListener('pointermove', (e) => {
    if (!drag) return;
    const scale = OUTPUT / stage.clientWidth;
    x = drag.x + (e.clientX - drag.px) * scale;
    y = drag.y + (e.clientY - drag.py) * scale;
    draw();
  });
  stage.addEventListener('pointerup', () => { drag = null; });
  stage.addEventListener('wheel', (e) => {
    e.preventDefault();
    setZoom(zoom * (e.deltaY < 0 ? 1.08 : 0.93));
  }, { passive: false });
  stage.addEventListener('keydown', (e) => {
    const step = 16;
    const moves = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
    if (moves[e.key]) {
      e.preventDefault();
      x += moves[e.key][0];
      y += moves[e.key][1];
      draw();
    } else if (e.key === '+' || e.key === '=') setZoom(zoom * 1.1);
    else if (e.key === '-') setZoom(zoom / 1.1);
  });
  draw();
  const result = await openDialog((dialog, close) => {
    dialog.append(
      h('h2', { text: t('crop.title') }),
      h('p', { class: 'small muted', text: t('crop.hint') }),
      stage,
      h('div', { class: 'row' }, h('span', { class: 'small muted', text: t('crop.zoom') }), slider),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { class: 'btn btn-ghost', type: 'button', text: t('common.cancel'), onclick: () => close(null) }),
        h('button', { class: 'btn btn-primary crop-apply', type: 'button', text: t('crop.apply'), onclick: () => canvas.toBlob((blob) => close(blob), 'image/png') }),
      ),
    );
  }, { label: t('crop.title') });
  URL.revokeObjectURL(url);
  return result || null;
}
