// strophe.js assigns its API to globalThis (Strophe, $iq, $msg, …) when it loads; the build points
// its `globalThis` here instead, so the widget adds no global name to the host page and cannot
// replace a page's own strophe.js.
export const stropheScope = {};
