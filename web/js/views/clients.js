// The clients list: accounts the caller may open, alphabetical, paged,
// filtered by tag, type and team member (the filters live in the address, so
// a filtered list can be bookmarked and Back works).
import { get, withQuery } from "../api.js";
import { add, clear, fill, h } from "../dom.js";
import { t, term } from "../i18n.js";
import { selectField } from "../forms.js";
import { ACCOUNT_TYPES, state, teamChoices } from "../state.js";
import { avatar, failed, focusAfterRender, focusHeading, latestOnly, pageHeading, pager, tagChip } from "./common.js";

const PAGE_SIZE = 25;

export async function renderClients(main, { query, current }) {
  const filters = { tag: query.get("tag") || "", type: query.get("type") || "", team_member: query.get("team_member") || "" };
  let cursors = [null];
  const results = h("div", { class: "results" });

  const select = (name, label, options) => {
    const id = `filter-${name}`;
    return selectField({
      id,
      label,
      options,
      any: true,
      value: filters[name],
      onchange: (e) => {
        focusAfterRender(id); // focus stays on the filter when the list is drawn again
        window.location.hash = withQuery("#/", { ...filters, [name]: e.target.value });
      },
    });
  };

  fill(main, 
    pageHeading(t("clients.title")),
    h(
      "form",
      { class: "filters", "aria-label": t("clients.filters"), onsubmit: (e) => e.preventDefault() },
      select("tag", t("filter.tag"), state.tags.map((tag) => ({ value: tag.id, label: tag.name }))),
      select("type", t("filter.type"), ACCOUNT_TYPES.map((ty) => ({ value: ty, label: term(ty) }))),
      select("team_member", t("filter.team_member"), teamChoices().map((m) => ({ value: m.id, label: m.name }))),
    ),
    results,
  );
  focusHeading(main);

  const start = latestOnly(); // a later page click wins over an earlier, slower one
  async function load(moveFocus) {
    const latest = start();
    let data;
    try {
      data = await get(withQuery("/accounts", { ...filters, limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] }));
    } catch (error) {
      if (current() && latest()) failed(results, error);
      return;
    }
    if (!current() || !latest()) return;
    clear(results);
    if (!data.items.length) {
      add(results, h("p", { class: "card empty", role: "status" }, t("clients.none")));
      return;
    }
    const list = h(
      "ul",
      { class: "client-list", "aria-label": t("clients.title") },
      data.items.map((a) =>
        h(
          "li",
          { class: "client-row" },
          avatar(a.name, a.photo_url, "small"),
          h(
            "div",
            { class: "client-main" },
            h("a", { href: `#/accounts/${encodeURIComponent(a.id)}`, class: "client-name" }, a.name),
            h("span", { class: "muted" }, term(a.type)),
          ),
          h("div", { class: "client-tags" }, a.tags.map(tagChip)),
          h("div", { class: "client-team muted" }, a.team_members.map((m) => m.name).join(", ")),
        ),
      ),
    );
    add(results, 
      list,
      pager({
        cursors,
        next: data.next_cursor,
        onChange: (c) => {
          cursors = c;
          load(true);
        },
      }),
    );
    if (moveFocus) list.querySelector("a")?.focus();
  }
  await load(false);
}
