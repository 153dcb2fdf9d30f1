// The XMPP half of the bundle: strophe.js and xmpp.js, built as a file of its own
// (bundle-xmpp-<hash>.js) that the loader fetches beside the panel's (bundle-<hash>.js). Two
// script elements are evaluated in two tasks, so strophe.js's start-up and the panel's never add
// up to one long task on the host page's main thread (issue 7). Like the panel, it hands what
// it exports to its own script element: no global name.
import * as X from "./xmpp.js";

document.currentScript.xmppdWidget(X);
