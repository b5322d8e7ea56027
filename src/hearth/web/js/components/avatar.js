// Round (or rounded-square) avatars: the image when there is one, else coloured initials.
import { h } from '../dom.js';

const HUES = [18, 32, 200, 262, 330, 160, 220, 290, 5, 45];

function hue(seed) {
  let sum = 0;
  for (const ch of String(seed || '?')) sum = (sum * 31 + ch.codePointAt(0)) >>> 0;
  return HUES[sum % HUES.length];
}

export function avatar(name, url, { size = 36, square = false, className = '' } = {}) {
  const el = h('span', {
    class: `avatar${square ? ' sq' : ''} ${className}`,
    style: { width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.4)}px` },
    'aria-hidden': 'true',
  });
  const initials = () => {
    el.replaceChildren(document.createTextNode(String(name || '?').trim().slice(0, 1).toUpperCase() || '?'));
    const hh = hue(name);
    el.style.background = `linear-gradient(140deg, hsl(${hh} 70% 58%), hsl(${(hh + 40) % 360} 65% 42%))`;
    el.style.color = '#fff';
  };
  if (url) {
    const img = h('img', { src: url, alt: '', loading: 'lazy', decoding: 'async', width: size, height: size });
    img.addEventListener('error', initials, { once: true });
    el.append(img);
  } else initials();
  return el;
}
