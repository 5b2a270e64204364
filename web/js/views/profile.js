// The client's profile: header (photo, name), the Overview, Info and History
// tabs, and each section's "show all" list.
import { ApiError, get, request, withQuery } from "../api.js";
import { add, announce, fill, h } from "../dom.js";
import { t, term } from "../i18n.js";
import { SECTION, SECTIONS } from "../sections.js";
import { canManage } from "../state.js";
import { selectField } from "../forms.js";
import {
  avatar,
  errorMessage,
  failed,
  focusAfterRender,
  focusHeading,
  latestOnly,
  loading,
  notFound,
  pager,
  statusBadge,
} from "./common.js";
import { historyPage, renderHistory } from "./history.js";
import { renderInfo } from "./info.js";

const accountPath = (id) => `/accounts/${encodeURIComponent(id)}`;

const sectionPage = (accountId, key, status, cursor) =>
  get(withQuery(`${accountPath(accountId)}/${key}`, { status, limit: 25, cursor }));

// The header (id, name, photo) of the profile drawn last: "show all", opened
// from it, reuses it rather than reading the account again.
let shownHeader = null;

async function headerOf(accountId) {
  if (shownHeader && shownHeader.id === accountId) return shownHeader;
  return (await get(`${accountPath(accountId)}/overview`)).account; // the cheapest read that has it
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
          focusAfterRender(focusId);
          return renderProfile(main, { accountId, tab, section, query, current });
        },
      });
    } else if (tab === "history") {
      const [head, first] = await Promise.all([headerOf(accountId), historyPage(accountId, null)]);
      if (!current()) return;
      renderHistory(frame(main, head, "history"), accountId, first, current);
    } else if (tab === "all" && SECTION[section]) {
      const status = query.get("status") || "";
      const [head, first] = await Promise.all([headerOf(accountId), sectionPage(accountId, section, status, null)]);
      if (!current()) return;
      renderShowAll(frame(main, head, "overview"), head, SECTION[section], status, first, current);
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
  focusHeading(main);
}

/** Name and photo; on the Info tab (`full`) also the type and, for editors, the photo upload. */
function header(account, full) {
  return h(
    "header",
    { class: "profile-header" },
    avatar(account.name, account.photo_url, "large"),
    h(
      "div",
      {},
      h("h1", { class: "page-title account-name", tabindex: "-1" }, account.name),
      full ? h("p", { class: "muted" }, term(account.type)) : null,
    ),
    full && canManage() ? photoControl(account) : null,
  );
}

function updateHeader(main, account) {
  shownHeader = { id: account.id, name: account.name, photo_url: account.photo_url };
  const old = main.querySelector(".profile-header");
  if (old) old.replaceWith(header(account, true));
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
    { key: "history", href: `#/accounts/${encodeURIComponent(account.id)}/history` },
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
            // Arrow keys move between the tabs, round at the ends (ARIA tabs pattern).
            if (e.key !== "ArrowRight" && e.key !== "ArrowLeft") return;
            e.preventDefault();
            const step = e.key === "ArrowRight" ? 1 : -1;
            const other = items[(items.indexOf(item) + step + items.length) % items.length];
            focusAfterRender(`tab-${other.key}`);
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
  shownHeader = { id: account.id, name: account.name, photo_url: account.photo_url };
  fill(main, header(account, active === "info"), tabs(account, active), panel);
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

/** "Show all": every item of a section, newest first, a page at a time; `first` is the first page, read already. */
function renderShowAll(panel, account, section, status, first, current) {
  let cursors = [null];
  const results = h("div", { class: "results" });
  const base = `#/accounts/${encodeURIComponent(account.id)}/all/${section.key}`;
  const filterId = "status-filter";
  add(panel, 
    h("p", {}, h("a", { href: `#/accounts/${encodeURIComponent(account.id)}` }, t("overview.back"))),
    h("h2", { class: "section-title" }, t(`section.${section.key}`)),
    section.statuses
      ? selectField({
          id: filterId,
          label: t("filter.status"),
          inline: true,
          any: true,
          value: status,
          options: section.statuses.map((s) => ({ value: s, label: term(s) })),
          onchange: (e) => {
            focusAfterRender(filterId);
            window.location.hash = withQuery(base, { status: e.target.value });
          },
        })
      : null,
    results,
  );

  function show(data, moveFocus) {
    fill(results, 
      data.items.length
        ? h("ul", { class: "items card" }, data.items.map((item) => itemLine(section, item, account.id)))
        : h("p", { class: "muted card", role: "status" }, t(`empty.${section.key}`)),
      pager({ cursors, next: data.next_cursor, onChange: (c) => { cursors = c; load(); } }),
    );
    if (moveFocus) results.querySelector(".pager button:not([disabled])")?.focus();
  }

  const start = latestOnly(); // a later page click wins over an earlier, slower one
  async function load() {
    const latest = start();
    let data;
    try {
      data = await sectionPage(account.id, section.key, status, cursors[cursors.length - 1]);
    } catch (error) {
      if (current() && latest()) failed(results, error);
      return;
    }
    if (current() && latest()) show(data, true);
  }
  show(first, false);
}
