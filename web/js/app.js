// The shell: who is signed in (a demo member locally, a pasted token
// elsewhere), the top bar, the sidebar search and the hash router.
import { configure } from "./api.js";
import { add, clear, h } from "./dom.js";
import { LANGUAGES, language, setLanguage, t } from "./i18n.js";
import { searchBox } from "./search.js";
import { loadCatalogues, state } from "./state.js";
import { renderClients } from "./views/clients.js";
import { selectField } from "./forms.js";
import { errorMessage } from "./views/common.js";
import { renderProfile } from "./views/profile.js";

const MEMBER_KEY = "dossier.member";
const TOKEN_KEY = "dossier.session";
const RETRIED_KEY = "dossier.retried"; // one reload for fresh local tokens, not a loop

async function loadConfig() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/** The session to use: a demo member's token (local mode) or a pasted one. */
function chooseSession() {
  if (state.config && state.config.mode === "local") {
    const members = state.config.members;
    const wanted = localStorage.getItem(MEMBER_KEY);
    const member = members.find((m) => m.member_id === wanted) || members[0];
    return { base: state.config.api_base, token: member.token, memberId: member.member_id };
  }
  const saved = sessionStorage.getItem(TOKEN_KEY);
  return saved ? JSON.parse(saved) : null;
}

async function start() {
  setLanguage(language());
  state.config = await loadConfig();
  const session = chooseSession();
  if (!session) {
    renderSignIn();
    return;
  }
  configure({ base: session.base, token: session.token, onUnauthorized: signedOut });
  try {
    await loadCatalogues();
  } catch (error) {
    renderSignIn(error);
    return;
  }
  sessionStorage.removeItem(RETRIED_KEY);
  renderShell();
  window.addEventListener("hashchange", route);
  route();
}

function signedOut(error) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.config && !sessionStorage.getItem(RETRIED_KEY)) {
    sessionStorage.setItem(RETRIED_KEY, "1");
    window.location.reload(); // local mode: config.json mints fresh tokens
  } else {
    renderSignIn(error);
  }
}

/** The language select; `rerender` draws the current screen again in the new language. */
function languagePicker(rerender) {
  const id = "language-picker";
  return selectField({
    id,
    label: t("shell.language"),
    inline: true,
    value: language(),
    options: LANGUAGES.map((l) => ({ value: l.code, label: l.name, lang: l.code })),
    onchange: (e) => {
      setLanguage(e.target.value, { remember: true });
      rerender();
      document.getElementById(id)?.focus();
    },
  });
}

function memberPicker() {
  if (!state.config || state.config.mode !== "local") {
    return h("button", { type: "button", class: "link", onclick: () => { sessionStorage.removeItem(TOKEN_KEY); window.location.reload(); } }, t("shell.sign_out"));
  }
  return selectField({
    id: "member-picker",
    label: t("shell.signed_in_as"),
    inline: true,
    value: state.me.id,
    options: state.config.members.map((m) => ({ value: m.member_id, label: `${m.name} (${t(`role.${m.role}`)})` })),
    onchange: (e) => {
      localStorage.setItem(MEMBER_KEY, e.target.value);
      window.location.reload();
    },
  });
}

function renderShell() {
  const app = clear(document.getElementById("app"));
  app.removeAttribute("aria-busy");
  document.title = t("shell.title");
  add(app, 
    h("a", { class: "skip-link", href: "#main", onclick: (e) => { e.preventDefault(); document.getElementById("main").focus(); } }, t("shell.skip")),
    h(
      "header",
      { class: "topbar" },
      h("a", { class: "brand", href: "#/" }, "Dossier"),
      h("span", { class: "firm" }, state.me.firm ? state.me.firm.name : ""),
      h(
        "div",
        { class: "topbar-tools" },
        memberPicker(),
        languagePicker(() => {
          renderShell();
          route();
        }),
      ),
    ),
    h(
      "div",
      { class: "layout" },
      h(
        "aside",
        { class: "sidebar", "aria-label": t("shell.sidebar") },
        searchBox(),
        h("nav", { "aria-label": t("shell.navigation") }, h("a", { href: "#/", class: "nav-link" }, t("nav.clients"))),
      ),
      h("main", { id: "main", tabindex: "-1" }),
    ),
  );
}

let routeCount = 0;

/** Renders the view for location.hash; a later navigation makes an earlier, slower one give up. */
async function route() {
  routeCount += 1;
  const mine = routeCount;
  const main = document.getElementById("main");
  if (!main) return;
  const [path, queryString] = (window.location.hash.replace(/^#/, "") || "/").split("?");
  const query = new URLSearchParams(queryString || "");
  let parts;
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    parts = []; // a malformed address: the clients list
  }
  const current = () => mine === routeCount;
  if (parts[0] === "accounts" && parts[1]) {
    await renderProfile(main, { accountId: parts[1], tab: parts[2] || "overview", section: parts[3], query, current });
  } else {
    await renderClients(main, { query, current });
  }
}

function renderSignIn(error) {
  const app = clear(document.getElementById("app"));
  app.removeAttribute("aria-busy");
  const baseId = "signin-base";
  const tokenId = "signin-token";
  const form = h(
    "form",
    {
      class: "card signin",
      onsubmit: (e) => {
        e.preventDefault();
        const data = new FormData(e.target);
        sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ base: String(data.get("base")), token: String(data.get("token")).trim() }));
        window.location.reload();
      },
    },
    h("h1", {}, t("signin.title")),
    h("p", {}, t("signin.help")),
    error ? h("p", { class: "error", role: "alert" }, error.status === 401 ? t("signin.refused") : errorMessage(error)) : null,
    h("div", { class: "field" }, h("label", { for: baseId }, t("signin.api")), h("input", { id: baseId, name: "base", type: "url", required: true, value: "http://localhost:8000" })),
    h("div", { class: "field" }, h("label", { for: tokenId }, t("signin.token")), h("textarea", { id: tokenId, name: "token", required: true, rows: 4 })),
    h("button", { type: "submit", class: "primary" }, t("signin.submit")),
    languagePicker(() => renderSignIn(error)),
  );
  add(app, h("main", { id: "main" }, form));
}

start();
