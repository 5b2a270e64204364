// The client's profile: header (photo, name), the Overview and Info tabs, and
// each section's "show all" list.
import { ApiError, get, request, withQuery } from "../api.js";
import { add, announce, fill, h } from "../dom.js";
import { t, term } from "../i18n.js";
import { SECTION, SECTIONS } from "../sections.js";
import { canManage } from "../state.js";
import { avatar, errorMessage, failed, focusHeading, loading, notFound, pager, statusBadge } from "./common.js";
import { renderInfo } from "./info.js";

const accountPath = (id) => `/accounts/${encodeURIComponent(id)}`;

// After a re-render the user's focus goes back where it was: to the tab moved
// to with the arrow keys, or to the filter just changed (else to the heading).
let focusAfterRender = null;

function restoreFocus(main) {
  const target = focusAfterRender && document.getElementById(focusAfterRender);
  focusAfterRender = null;
  if (target) target.focus();
  else focusHeading(main);
}

export async function renderProfile(main, { accountId, tab, section, query, current }) {
  loading(main);
  try {
    if (tab === "info") {
      const account = await get(accountPath(accountId));
      if (!current()) return;
      const panel = frame(main, account, "info");
      renderInfo(panel, account, {
        changed: (updated) => updateHeader(main, updated),
        // focusId: the element to return focus to once the profile is drawn again
        reload: (focusId) => {
          focusAfterRender = focusId || null;
          return renderProfile(main, { accountId, tab, section, query, current });
        },
      });
    } else if (tab === "all" && SECTION[section]) {
      const account = await get(accountPath(accountId));
      if (!current()) return;
      await renderShowAll(frame(main, account, "overview"), account, SECTION[section], query, current);
    } else {
      const overview = await get(`${accountPath(accountId)}/overview`);
      if (!current()) return;
      renderOverview(frame(main, overview.account, "overview"), overview);
    }
  } catch (error) {
    if (!current()) return;
    // 404 is both "no such account" and "not one you may open" (the API does not tell them apart).
    if (error instanceof ApiError && error.status === 404) notFound(main);
    else failed(main, error);
    return;
  }
  restoreFocus(main);
}

function header(account) {
  return h(
    "header",
    { class: "profile-header" },
    avatar(account.name, account.photo_url, "large"),
    h(
      "div",
      {},
      h("h1", { class: "page-title account-name", tabindex: "-1" }, account.name),
      account.type ? h("p", { class: "muted" }, term(account.type)) : null,
    ),
    canManage() && account.type ? photoControl(account) : null,
  );
}

function updateHeader(main, account) {
  const old = main.querySelector(".profile-header");
  if (old) old.replaceWith(header(account));
}

function photoControl(account) {
  const id = "photo-input";
  const input = h("input", {
    id,
    type: "file",
    accept: "image/png,image/jpeg,image/webp",
    class: "sr-only",
    onchange: async (e) => {
      const file = e.target.files[0];
      if (!file) return;
      e.target.value = ""; // choosing the same file again after an error fires change again
      try {
        await request("PUT", `${accountPath(account.id)}/photo`, { raw: file, contentType: file.type || "application/octet-stream" });
        announce(t("photo.saved"));
        window.dispatchEvent(new HashChangeEvent("hashchange"));
      } catch (error) {
        alertBox.textContent = errorMessage(error);
      }
    },
  });
  const alertBox = h("p", { class: "error", role: "alert" });
  return h("div", { class: "photo-control" }, input, h("label", { for: id, class: "button" }, t("photo.change")), alertBox);
}

function tabs(account, active) {
  const items = [
    { key: "overview", href: `#/accounts/${encodeURIComponent(account.id)}` },
    { key: "info", href: `#/accounts/${encodeURIComponent(account.id)}/info` },
  ];
  const list = h(
    "div",
    { role: "tablist", class: "tabs", "aria-label": t("profile.tabs") },
    items.map((item) =>
      h(
        "a",
        {
          role: "tab",
          id: `tab-${item.key}`,
          href: item.href,
          "aria-selected": item.key === active ? "true" : "false",
          "aria-controls": "tab-panel",
          tabindex: item.key === active ? "0" : "-1",
          onkeydown: (e) => {
            // Arrow keys move between the tabs (ARIA tabs pattern).
            if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
            e.preventDefault();
            const other = items.find((i) => i.key !== item.key);
            focusAfterRender = `tab-${other.key}`;
            window.location.hash = other.href;
          },
        },
        t(`tab.${item.key}`),
      ),
    ),
  );
  return list;
}

/** Header, tabs and an empty panel for the tab's content. */
function frame(main, account, active) {
  const panel = h("section", { id: "tab-panel", role: "tabpanel", "aria-labelledby": `tab-${active}` });
  fill(main, header(account), tabs(account, active), panel);
  document.title = `${account.name} · ${t("shell.title")}`;
  return panel;
}

function itemLine(section, item, accountId) {
  const line = section.line(item);
  let title = h("span", { class: "item-title" }, line.title);
  const isNew = section.key === "documents" && item.new;
  const badge = isNew ? h("span", { class: "badge new" }, t("documents.new")) : null;
  const problem = h("p", { class: "error", role: "alert" });
  if (isNew) {
    // Opening a document at the firm clears its New label (POST …/view).
    title = h(
      "button",
      {
        type: "button",
        class: "link item-title",
        onclick: async (e) => {
          const button = e.currentTarget;
          problem.textContent = "";
          try {
            await request("POST", `${accountPath(accountId)}/documents/${encodeURIComponent(item.id)}/view`);
          } catch (error) {
            problem.textContent = errorMessage(error);
            return;
          }
          badge.remove();
          const opened = h("span", { class: "item-title", tabindex: "-1" }, line.title);
          button.replaceWith(opened);
          opened.focus(); // the button is gone: keep the user's place
          announce(t("documents.opened", { name: line.title }));
        },
      },
      line.title,
    );
  }
  return h(
    "li",
    { class: "item" },
    h("div", { class: "item-head" }, title, badge, statusBadge(line.status), line.flag ? h("span", { class: "badge flag" }, line.flag) : null),
    line.detail ? h("p", { class: "item-detail" }, line.detail) : null,
    line.meta ? h("p", { class: "item-meta muted" }, line.meta) : null,
    problem,
  );
}

function renderOverview(panel, overview) {
  const accountId = overview.account.id;
  add(panel, 
    h(
      "div",
      { class: "overview-grid" },
      SECTIONS.map((section) => {
        const data = overview[section.key] || { items: [], has_more: false };
        const headingId = `section-${section.key}`;
        return h(
          "section",
          { class: "card section-card", "aria-labelledby": headingId, "data-section": section.key },
          h("h2", { id: headingId }, t(`section.${section.key}`)),
          data.items.length
            ? h("ul", { class: "items" }, data.items.map((item) => itemLine(section, item, accountId)))
            : h("p", { class: "muted" }, t(`empty.${section.key}`)),
          h(
            "p",
            { class: "show-all" },
            // The visible words start the link's name (WCAG 2.5.3); the section's name tells links apart.
            h(
              "a",
              { href: `#/accounts/${encodeURIComponent(accountId)}/all/${section.key}` },
              t("overview.show_all"),
              h("span", { class: "sr-only" }, ` ${t(`section.${section.key}`)}`),
            ),
            data.has_more ? h("span", { class: "muted" }, ` (${t("overview.more")})`) : null,
          ),
        );
      }),
    ),
  );
}

async function renderShowAll(panel, account, section, query, current) {
  const status = query.get("status") || "";
  let cursors = [null];
  const results = h("div", { class: "results" });
  const base = `#/accounts/${encodeURIComponent(account.id)}/all/${section.key}`;
  const filterId = "status-filter";
  add(panel, 
    h("p", {}, h("a", { href: `#/accounts/${encodeURIComponent(account.id)}` }, t("overview.back"))),
    h("h2", { class: "section-title" }, t(`section.${section.key}`)),
    section.statuses
      ? h(
          "div",
          { class: "field inline" },
          h("label", { for: filterId }, t("filter.status")),
          h(
            "select",
            {
              id: filterId,
              onchange: (e) => {
                focusAfterRender = filterId;
                window.location.hash = withQuery(base, { status: e.target.value });
              },
            },
            h("option", { value: "" }, t("filter.any")),
            section.statuses.map((s) => h("option", { value: s, selected: s === status }, term(s))),
          ),
        )
      : null,
    results,
  );

  let loads = 0;
  async function load(moveFocus = false) {
    loads += 1;
    const mine = loads; // a later page click wins over an earlier, slower one
    let data;
    try {
      data = await get(withQuery(`${accountPath(account.id)}/${section.key}`, { status, limit: 25, cursor: cursors[cursors.length - 1] }));
    } catch (error) {
      if (current() && mine === loads) failed(results, error);
      return;
    }
    if (!current() || mine !== loads) return;
    fill(results, 
      data.items.length
        ? h("ul", { class: "items card" }, data.items.map((item) => itemLine(section, item, account.id)))
        : h("p", { class: "muted card", role: "status" }, t(`empty.${section.key}`)),
      pager({ cursors, next: data.next_cursor, onChange: (c) => { cursors = c; load(true); } }),
    );
    if (moveFocus) results.querySelector(".pager button:not([disabled])")?.focus();
  }
  await load();
}
