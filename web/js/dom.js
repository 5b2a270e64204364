// A tiny element builder: every text goes in as a text node, never as HTML,
// so nothing a client or a firm typed can inject markup.

/**
 * h("button", {class: "x", onclick: fn, "aria-label": "..."}, "text", child, [more])
 * Attributes whose value is false, null or undefined are left out. `style`
 * takes an object of CSS properties: they are set through the CSSOM, which the
 * page's Content-Security-Policy allows (a style attribute it refuses).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "class") {
      el.className = value;
    } else if (name === "style") {
      for (const [property, v] of Object.entries(value)) el.style.setProperty(property, String(v));
    } else if (name in el && typeof value !== "string") {
      el[name] = value; // properties such as checked, value, disabled
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Appends children like h() does: null, undefined and false are skipped, arrays flattened. */
export function add(el, ...children) {
  append(el, children);
  return el;
}

/** Replaces el's children. */
export function fill(el, ...children) {
  return add(clear(el), ...children);
}

let uid = 0;
/** A unique id for label/for and aria-describedby pairs. */
export function newId(prefix = "id") {
  uid += 1;
  return `${prefix}-${uid}`;
}

/** Polite announcements for screen readers (search results, saved, errors). */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after clearing makes screen readers read repeated messages too.
  setTimeout(() => { region.textContent = text; }, 30);
}
