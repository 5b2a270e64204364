// The History tab: the account's audit trail (GET /accounts/{id}/audit, for whoever
// may open the account), newest first, a page at a time: when, who, what, and
// each changed field's old and new value.
import { get, withQuery } from "../api.js";
import { add, fill, h } from "../dom.js";
import { formatDate, t } from "../i18n.js";
import { failed, latestOnly, pager } from "./common.js";

const PAGE_SIZE = 25;

export const historyPage = (accountId, cursor) =>
  get(withQuery(`/accounts/${encodeURIComponent(accountId)}/audit`, { limit: PAGE_SIZE, cursor }));

/** `first` is the first page, read already; `current()` is the router's. */
export function renderHistory(panel, accountId, first, current) {
  let cursors = [null];
  const results = h("div", { class: "results" });
  add(
    panel,
    h(
      "div",
      { class: "history-head" },
      h("h2", { class: "section-title", id: "history-title" }, t("audit.title")),
      h("button", { type: "button", class: "refresh-history", onclick: () => { cursors = [null]; load(false); } }, t("audit.refresh")),
    ),
    h("p", { class: "muted" }, t("audit.help")),
    results,
  );

  function show(data, moveFocus) {
    fill(
      results,
      data.items.length
        ? h("ol", { class: "items card history", "aria-labelledby": "history-title" }, data.items.map(entryLine))
        : h("p", { class: "muted card", role: "status" }, t("audit.none")),
      pager({ cursors, next: data.next_cursor, label: t("audit.pager"), onChange: (c) => { cursors = c; load(true); } }),
    );
    if (moveFocus) results.querySelector(".pager button:not([disabled])")?.focus();
  }

  const start = latestOnly(); // a later click wins over an earlier, slower one
  async function load(moveFocus) {
    const latest = start();
    let data;
    try {
      data = await historyPage(accountId, cursors[cursors.length - 1]);
    } catch (error) {
      if (current() && latest()) failed(results, error);
      return;
    }
    if (current() && latest()) show(data, moveFocus);
  }
  show(first, false);
}

/** The words for a key when the catalogue has them, else null. */
function known(key) {
  const text = t(key);
  return text === key ? null : text;
}

function resourceName(type) {
  return known(`audit.resource_${type}`) || known(`section.${type}`) || type.replace(/_/g, " ");
}

function actorName(actor) {
  if (actor.kind === "contact") return t("audit.actor_contact", { name: actor.name });
  if (actor.kind === "system") return t("audit.actor_system", { name: actor.name });
  return actor.name;
}

/** A changed value as text: empty, hidden (a secret), a list, or compact JSON for anything structured. */
function valueText(value) {
  if (value === null || value === undefined || value === "") return t("audit.empty_value");
  if (value === "[redacted]") return t("audit.redacted");
  if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
    return value.length ? value.join(", ") : t("audit.empty_value");
  }
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function entryLine(entry) {
  const who = [actorName(entry.actor), entry.ip ? t("audit.from_ip", { ip: entry.ip }) : null].filter(Boolean).join(" · ");
  return h(
    "li",
    { class: "item history-entry" },
    h(
      "div",
      { class: "item-head" },
      h("span", { class: "item-title" }, `${known(`audit.action_${entry.action}`) || entry.action}: ${resourceName(entry.resource.type)}`),
    ),
    h("p", { class: "item-meta muted" }, h("time", { datetime: entry.at }, formatDate(entry.at)), ` · ${who}`),
    entry.changes.length
      ? h(
          "ul",
          { class: "changes" },
          entry.changes.map((c) => changeLine(entry.action, c)),
        )
      : null,
  );
}

/** "field: old → new"; a creation shows only the new value, a removal only the old one. */
function changeLine(action, change) {
  const field = h("span", { class: "change-field" }, change.field);
  const old = h("span", { class: hasValue(change.old) ? "change-old" : "" }, valueText(change.old));
  const now = h("span", { class: "change-new" }, valueText(change.new));
  if (action === "create") return h("li", {}, field, ": ", now);
  if (action === "delete" || action === "expire") return h("li", {}, field, ": ", old);
  return h("li", {}, field, ": ", old, " → ", now);
}

function hasValue(value) {
  return !(value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length));
}
