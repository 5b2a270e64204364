// Small pieces shared by the views.
import { ApiError } from "../api.js";
import { fill, h } from "../dom.js";
import { t, term } from "../i18n.js";

/** The photo, or the name's initials on a colour picked from the name (decorative: the name is beside it). */
export function avatar(name, photoUrl, size = "") {
  if (photoUrl) return h("img", { class: `avatar ${size}`, src: photoUrl, alt: "" });
  const initials = (name || "?")
    .split(/\s+/)
    .filter((w) => /\p{L}/u.test(w))
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join("");
  let hash = 0;
  for (const ch of name || "") hash = (hash * 31 + ch.codePointAt(0)) % 360;
  return h("span", { class: `avatar initials ${size}`, style: { "--hue": hash }, "aria-hidden": "true" }, initials || "?");
}

export function statusBadge(status) {
  if (!status) return null;
  return h("span", { class: `badge status-${status}` }, term(status));
}

export function tagChip(tag) {
  return h("span", { class: "tag", style: { "--tag": tag.color || "#607d8b" } }, tag.name);
}

/** Puts a page heading first and moves focus to it, so a screen reader hears where it landed. */
export function pageHeading(text, level = "h1") {
  return h(level, { class: "page-title", tabindex: "-1" }, text);
}

// The element to focus once the next screen is drawn (the filter just changed,
// the tab moved to with the arrow keys, the contact just edited); else the heading.
let focusNext = null;

export function focusAfterRender(id) {
  focusNext = id || null;
}

export function focusHeading(container) {
  const wanted = focusNext && document.getElementById(focusNext);
  focusNext = null;
  if (wanted) wanted.focus();
  else container.querySelector(".page-title")?.focus();
}

/**
 * For loads that can overlap (pages clicked quickly): each `start()` returns
 * a check that holds only while no later load has started.
 */
export function latestOnly() {
  let count = 0;
  return () => {
    count += 1;
    const mine = count;
    return () => mine === count;
  };
}

export function loading(container) {
  fill(container, h("p", { class: "muted", role: "status" }, t("common.loading")));
}

export function notFound(container) {
  fill(container, 
    h("section", { class: "card empty-page" }, pageHeading(t("notfound.title")), h("p", {}, t("notfound.text")), h("a", { href: "#/" }, t("notfound.back"))),
  );
  focusHeading(container);
}

/**
 * What to tell the user about a failed request, in their language. The API's
 * own detail is shown for refused input (400, 409, 422), where it says what
 * to change; other statuses have fixed words here.
 */
export function errorMessage(error) {
  if (!(error instanceof ApiError)) return t("error.generic");
  if (error.status === 0) return t("error.network");
  if (error.status === 403) return t("error.forbidden");
  if (error.status === 404) return t("error.gone");
  if (error.status === 412) return `${t("stale.title")} ${t("stale.text")}`;
  if (error.status === 429) return t("error.throttled");
  if ([400, 409, 422].includes(error.status) && error.problem.detail) return error.problem.detail;
  if (error.status >= 500) return t("error.server");
  return t("error.generic");
}

export function failed(container, error) {
  fill(container, h("div", { class: "card error", role: "alert" }, h("p", {}, errorMessage(error))));
}

/**
 * Previous / Next over cursor pages. `cursors` lists the cursor of every page
 * up to the current one ([null] on the first page): the API's cursors only go
 * forward, so going back re-reads the page before.
 */
export function pager({ cursors, next, onChange, label }) {
  return h(
    "nav",
    { class: "pager", "aria-label": label || t("pager.label") },
    h("button", { type: "button", disabled: cursors.length < 2, onclick: () => onChange(cursors.slice(0, -1)) }, t("pager.previous")),
    h("span", { class: "muted" }, t("pager.page", { n: cursors.length })),
    h("button", { type: "button", disabled: !next, onclick: () => onChange([...cursors, next]) }, t("pager.next")),
  );
}
