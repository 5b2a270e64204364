// The clients list: accounts the caller may open, alphabetical, paged,
// filtered by tag, type and team member (the filters live in the address, so
// a filtered list can be bookmarked and Back works).
import { get, withQuery } from "../api.js";
import { add, clear, fill, h } from "../dom.js";
import { t, term } from "../i18n.js";
import { state, teamChoices } from "../state.js";
import { avatar, failed, focusHeading, pageHeading, pager, tagChip } from "./common.js";

const TYPES = ["individual", "company", "other"];
const PAGE_SIZE = 25;
let refocus = null; // the filter just changed: focus stays on it after the list is drawn again

export async function renderClients(main, { query, current }) {
  const filters = { tag: query.get("tag") || "", type: query.get("type") || "", team_member: query.get("team_member") || "" };
  let cursors = [null];
  const results = h("div", { class: "results" });

  const select = (name, label, options) => {
    const id = `filter-${name}`;
    return h(
      "div",
      { class: "field" },
      h("label", { for: id }, label),
      h(
        "select",
        {
          id,
          name,
          onchange: (e) => {
            refocus = id;
            const next = { ...filters, [name]: e.target.value };
            window.location.hash = withQuery("#/", next);
          },
        },
        h("option", { value: "" }, t("filter.any")),
        options.map((o) => h("option", { value: o.value, selected: o.value === filters[name] }, o.label)),
      ),
    );
  };

  fill(main, 
    pageHeading(t("clients.title")),
    h(
      "form",
      { class: "filters", "aria-label": t("clients.filters"), onsubmit: (e) => e.preventDefault() },
      select("tag", t("filter.tag"), state.tags.map((tag) => ({ value: tag.id, label: tag.name }))),
      select("type", t("filter.type"), TYPES.map((ty) => ({ value: ty, label: term(ty) }))),
      select("team_member", t("filter.team_member"), teamChoices().map((m) => ({ value: m.id, label: m.name }))),
    ),
    results,
  );
  const filter = refocus && document.getElementById(refocus);
  refocus = null;
  if (filter) filter.focus();
  else focusHeading(main);

  let loads = 0;
  async function load(moveFocus) {
    loads += 1;
    const mine = loads; // a later page click wins over an earlier, slower one
    let data;
    try {
      data = await get(withQuery("/accounts", { ...filters, limit: PAGE_SIZE, cursor: cursors[cursors.length - 1] }));
    } catch (error) {
      if (current() && mine === loads) failed(results, error);
      return;
    }
    if (!current() || mine !== loads) return;
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
