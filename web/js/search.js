// The sidebar search: searches as the user types (debounced, older answers
// discarded), a listbox driven by the keyboard (ARIA combobox pattern).
import { ApiError, get, withQuery } from "./api.js";
import { add, announce, clear, fill, h } from "./dom.js";
import { t, term } from "./i18n.js";
import { avatar, errorMessage } from "./views/common.js";

const DEBOUNCE_MS = 250;

export function searchBox() {
  const inputId = "search-input";
  const listId = "search-results";
  let timer = null;
  let controller = null;
  let hits = [];
  let active = -1;
  let pending = false; // typed, not searched yet

  const list = h("ul", { id: listId, role: "listbox", class: "search-results", "aria-label": t("search.results"), hidden: true });
  const status = h("p", { class: "search-status muted" });
  const input = h("input", {
    id: inputId,
    type: "search",
    role: "combobox",
    autocomplete: "off",
    spellcheck: "false",
    "aria-autocomplete": "list",
    "aria-controls": listId,
    "aria-expanded": "false",
    placeholder: t("search.placeholder"),
    oninput: () => {
      // The shown hits are for the earlier text: drop them until the new ones come.
      clearTimeout(timer);
      hits = [];
      fill(list);
      open(false);
      timer = setTimeout(run, DEBOUNCE_MS);
      pending = true;
    },
    onkeydown: keydown,
  });

  function open(yes) {
    list.hidden = !yes;
    input.setAttribute("aria-expanded", yes ? "true" : "false");
    if (!yes) setActive(-1);
  }

  function setActive(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index >= 0 && list.children[index]) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function go(hit) {
    open(false);
    input.value = "";
    hits = [];
    fill(list);
    clear(status);
    window.location.hash = `#/accounts/${encodeURIComponent(hit.account_id)}`;
  }

  function keydown(e) {
    if (e.key === "ArrowDown" && hits.length) {
      e.preventDefault();
      open(true);
      setActive((active + 1) % hits.length);
    } else if (e.key === "ArrowUp" && hits.length) {
      e.preventDefault();
      open(true);
      setActive(active <= 0 ? hits.length - 1 : active - 1);
    } else if (e.key === "Enter") {
      e.preventDefault();
      clearTimeout(timer);
      if (active >= 0 && hits[active]) go(hits[active]);
      else if (pending) run().then(() => { if (hits.length === 1) go(hits[0]); });
      else if (hits.length === 1) go(hits[0]);
    } else if (e.key === "Escape") {
      if (!list.hidden) open(false);
      else input.value = "";
    }
  }

  async function run() {
    pending = false;
    const q = input.value.trim();
    if (controller) controller.abort();
    // The API refuses a query without a letter or digit; do not ask.
    if (!/[\p{L}\p{N}]/u.test(q)) {
      hits = [];
      clear(list);
      open(false);
      status.textContent = "";
      return;
    }
    controller = new AbortController();
    try {
      const data = await get(withQuery("/search", { q: q.slice(0, 100) }), { signal: controller.signal });
      hits = data.items;
    } catch (error) {
      if (error && error.name === "AbortError") return; // a newer keystroke won
      hits = [];
      status.textContent = error instanceof ApiError && error.status === 400 ? t("search.bad") : errorMessage(error);
      clear(list);
      open(false);
      return;
    }
    clear(list);
    hits.forEach((hit, i) => {
      const match = (hit.matched || []).find((m) => m.field === "email");
      add(list, 
        h(
          "li",
          {
            id: `search-hit-${i}`,
            role: "option",
            "aria-selected": "false",
            class: "search-hit",
            onmousedown: (e) => e.preventDefault(), // keep focus in the input
            onclick: () => go(hit),
          },
          avatar(hit.name, hit.photo_url, "small"),
          h("span", { class: "hit-text" }, h("span", { class: "hit-name" }, hit.name), h("span", { class: "hit-meta" }, match ? match.value : term(hit.type))),
        ),
      );
    });
    open(hits.length > 0);
    setActive(-1);
    const message = hits.length === 1 ? t("search.count_one") : hits.length ? t("search.count", { n: hits.length }) : t("search.none", { q });
    status.textContent = hits.length ? "" : message;
    announce(message);
  }

  input.addEventListener("blur", () => setTimeout(() => open(false), 150));
  input.addEventListener("focus", () => { if (hits.length && input.value.trim()) open(true); });

  return h(
    "div",
    { class: "search", role: "search" },
    h("label", { for: inputId }, t("search.label")),
    input,
    list,
    status,
  );
}
