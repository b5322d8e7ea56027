// Work the person has not saved yet (a changed editor, a dialog with typed text): reload,
// closing the tab or leaving the site asks the browser's own question first.
const sources = new Set();

/** True when any watched source says it holds unsaved work. */
export function hasUnsaved() {
  for (const isUnsaved of sources) if (isUnsaved()) return true;
  return false;
}

function onBeforeUnload(event) {
  if (!hasUnsaved()) return;
  event.preventDefault();
  event.returnValue = ''; // older browsers ask only when this is set
}

/**
 * watchUnsaved(isUnsaved) while something that may hold unsaved work is on screen; returns
 * the function that stops watching it. The beforeunload handler exists only meanwhile (it
 * keeps pages out of the back/forward cache, so not for ever).
 */
export function watchUnsaved(isUnsaved) {
  if (!sources.size) window.addEventListener('beforeunload', onBeforeUnload);
  sources.add(isUnsaved);
  return () => {
    if (sources.delete(isUnsaved) && !sources.size) window.removeEventListener('beforeunload', onBeforeUnload);
  };
}

/** The person chose to discard: nothing on screen counts as unsaved any more. */
export function forgetUnsaved() {
  sources.clear();
  window.removeEventListener('beforeunload', onBeforeUnload);
}
