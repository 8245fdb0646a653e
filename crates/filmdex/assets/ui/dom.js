// Building DOM nodes from data. Text always goes in as text nodes, never as HTML, so titles and
// names from the database cannot inject markup.

/** An element: `h("a", { href, class: "x", onClick }, "text", child, [more])`. */
export function h(tag, props, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key === "class") element.className = value;
    else if (key === "text") element.textContent = value;
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

/** Appends children, skipping null, undefined and false, flattening arrays. */
export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/**
 * Calls `fn` once `ms` after the last call, and while calls keep coming at least every
 * `maxWait` ms (so a slider being dragged still updates); `flush()` runs a pending call now,
 * `cancel()` drops it.
 */
export function debounce(fn, ms, { maxWait = Infinity } = {}) {
  let timer = null;
  let lastArgs = null;
  let pendingSince = null;
  const run = () => {
    clearTimeout(timer);
    timer = null;
    pendingSince = null;
    fn(...lastArgs);
  };
  const debounced = (...args) => {
    lastArgs = args;
    pendingSince ??= performance.now();
    clearTimeout(timer);
    const waited = performance.now() - pendingSince;
    timer = setTimeout(run, Math.max(0, Math.min(ms, maxWait - waited)));
  };
  debounced.flush = () => {
    if (timer !== null) run();
  };
  debounced.cancel = () => {
    clearTimeout(timer);
    timer = null;
    pendingSince = null;
  };
  return debounced;
}
