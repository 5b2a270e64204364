// The shell: the sign-in page (the identity provider's email and password; in
// local mode also the demo members), who is signed in, the top bar, the
// sidebar search and the hash router.
import { configure } from "./api.js";
import { choosePassword, configureAuth, accessToken, renewAfterRefusal, restore, signIn, signOut, signedIn } from "./auth.js";
import { add, announce, clear, h } from "./dom.js";
import { LANGUAGES, language, setLanguage, t } from "./i18n.js";
import { searchBox } from "./search.js";
import { forgetCatalogues, isAdmin, loadCatalogues, state } from "./state.js";
import { renderClients } from "./views/clients.js";
import { renderImport } from "./views/import.js";
import { selectField } from "./forms.js";
import { errorMessage, pageHeading } from "./views/common.js";
import { renderProfile } from "./views/profile.js";

/**
 * config.json: {api_base, mode, identity: {provider, endpoint, client_id, region}}; in local mode (served by
 * devtools/web_server.py) also the demo firm, its members and their password. A deployed client's is a static
 * file next to index.html (mode "deployed").
 */
async function loadConfig() {
  try {
    const response = await fetch("config.json", { cache: "no-store" });
    const config = response.ok ? await response.json() : null;
    const identity = config && config.identity;
    if (!config || typeof config.api_base !== "string" || !identity || !identity.client_id) return null;
    if (!identity.endpoint && !identity.region) return null;
    return config;
  } catch {
    return null;
  }
}

function local() {
  return Boolean(state.config && state.config.mode === "local" && Array.isArray(state.config.members));
}

async function start() {
  setLanguage(language());
  state.config = await loadConfig();
  if (!state.config) {
    renderUnconfigured();
    return;
  }
  configureAuth(state.config.identity, {
    onEnded: () => {
      // the provider would not refresh the session (expired, revoked, the user disabled)
      forgetCatalogues();
      renderSignIn({ message: () => t("signin.expired") });
    },
  });
  configure({ base: state.config.api_base, token: accessToken, renew: renewAfterRefusal, onUnauthorized: refused });
  window.addEventListener("hashchange", route);
  if (restore()) await enter();
  else renderSignIn();
}

/** Signed in at the provider: the caller and the catalogues, then the screen the address names. */
async function enter({ focus } = {}) {
  try {
    await loadCatalogues();
  } catch (error) {
    if (error.status !== 401) {
      // (a 401 has already ended the session: `refused`)
      signOut();
      renderSignIn({ message: () => errorMessage(error) });
    }
    return;
  }
  renderShell();
  route();
  if (focus) document.getElementById(focus)?.focus();
}

/** The API refused the session even after a refresh (the member deactivated, the token revoked). */
function refused() {
  if (!signedIn()) return; // requests refused together: the first one signs out
  signOut();
  forgetCatalogues();
  renderSignIn({ message: () => t("signin.refused") });
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

/** Cognito's refusals in the page's words. */
function signInMessage(error) {
  switch (error.code) {
    case "NotAuthorizedException":
      return /disabled/i.test(error.message) ? t("signin.disabled") : t("signin.wrong");
    case "UserNotFoundException":
    case "InvalidPasswordException": // cognito-local's word for a wrong password
      return t("signin.wrong");
    case "PasswordResetRequiredException":
      return t("signin.reset_required");
    case "TooManyRequestsException":
    case "TooManyFailedAttemptsException":
    case "LimitExceededException":
      return t("error.throttled");
    case "network":
      return t("error.network");
    default:
      return t("signin.failed");
  }
}

function signOutButton() {
  return h(
    "button",
    {
      type: "button",
      class: "link",
      onclick: () => {
        signOut();
        forgetCatalogues();
        window.history.replaceState(null, "", "#/"); // the next member starts at the clients list
        renderSignIn({ message: () => t("signin.signed_out"), status: true });
      },
    },
    t("shell.sign_out"),
  );
}

/** Local mode: switch to another demo member (a sign-in at the provider with the demo password). */
function memberPicker() {
  const id = "member-picker";
  const members = state.config.members.map((m) => ({ value: m.member_id, label: `${m.name} (${t(`role.${m.role}`)})`, email: m.email }));
  if (!members.some((m) => m.value === state.me.id)) {
    members.unshift({ value: state.me.id, label: `${state.me.name} (${t(`role.${state.me.role}`)})`, email: state.me.email });
  }
  return selectField({
    id,
    label: t("shell.signed_in_as"),
    inline: true,
    value: state.me.id,
    options: members,
    onchange: async (e) => {
      const picked = members.find((m) => m.value === e.target.value);
      e.target.disabled = true;
      try {
        const result = await signIn(picked.email, state.config.demo_password);
        if (result.done) {
          await enter({ focus: id });
          return;
        }
        signOut();
        renderNewPassword(result);
      } catch (error) {
        e.target.disabled = false;
        e.target.value = state.me.id;
        announce(signInMessage(error));
      }
    },
  });
}

function accountTools() {
  if (local()) return [memberPicker(), signOutButton()];
  return [h("span", { class: "who" }, t("shell.signed_in_as_name", { name: state.me.name })), signOutButton()];
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
        accountTools(),
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
        h(
          "nav",
          { "aria-label": t("shell.navigation") },
          h(
            "ul",
            { class: "plain nav-list" },
            h("li", {}, h("a", { href: "#/", class: "nav-link" }, t("nav.clients"))),
            // Owners and admins only: the API refuses everyone else (403)
            isAdmin() ? h("li", {}, h("a", { href: "#/import", class: "nav-link" }, t("nav.import"))) : null,
          ),
        ),
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
  if (!main || !signedIn()) return;
  const [path, queryString] = (window.location.hash.replace(/^#/, "") || "/").split("?");
  const query = new URLSearchParams(queryString || "");
  let parts;
  try {
    parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  } catch {
    parts = []; // a malformed address: the clients list
  }
  const current = () => mine === routeCount;
  if (parts[0] === "import") {
    renderImport(main, { current });
  } else if (parts[0] === "accounts" && parts[1]) {
    await renderProfile(main, { accountId: parts[1], tab: parts[2] || "overview", section: parts[3], query, current });
  } else {
    await renderClients(main, { query, current });
  }
}

/** A page of its own (sign-in, new password) titled as its heading: no shell; a screen still loading gives up. */
function page(...cards) {
  routeCount += 1;
  const app = clear(document.getElementById("app"));
  app.removeAttribute("aria-busy");
  const heading = cards[0].querySelector(".page-title")?.textContent || "";
  document.title = heading.includes(t("shell.title")) ? heading : `${heading} – ${t("shell.title")}`;
  const main = h("main", { id: "main", class: "signin-page", tabindex: "-1" }, cards);
  add(app, main);
  main.querySelector(".page-title")?.focus();
  return main;
}

function passwordField(id, label, autocomplete) {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: id, type: "password", required: true, autocomplete, "aria-describedby": "signin-error" }),
  );
}

/** The form's alert line; the fields are marked invalid while it shows a refusal. */
function showProblem(form, message, fields = []) {
  form.querySelector("#signin-error").textContent = message;
  for (const input of form.querySelectorAll("input")) input.removeAttribute("aria-invalid");
  for (const input of fields) input.setAttribute("aria-invalid", "true");
}

/**
 * The sign-in page: email and password at the identity provider; in local mode
 * also the demo members. `message` (a function, so that a change of language
 * translates it again) says why it shows: refused, expired, a failure; with
 * `status`, news that is no error ("signed out").
 */
function renderSignIn({ message = null, status = false, email = "" } = {}) {
  let problem = status ? null : message; // what the alert line says, now in the page's language
  const form = h(
    "form",
    { class: "card signin", method: "post", "aria-labelledby": "signin-title" }, // (never a GET: no password in a URL)
    pageHeading(t("signin.title")),
    h("p", {}, t("signin.help")),
    status && message ? h("p", { class: "notice", role: "status" }, message()) : null,
    h("p", { id: "signin-error", class: "error", role: "alert" }, problem ? problem() : ""),
    h(
      "div",
      { class: "field" },
      h("label", { for: "signin-email" }, t("signin.email")),
      h("input", { id: "signin-email", name: "email", type: "email", required: true, autocomplete: "username", spellcheck: "false", value: email, "aria-describedby": "signin-error" }),
    ),
    passwordField("signin-password", t("signin.password"), "current-password"),
    h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "primary" }, t("signin.submit"))),
  );
  form.querySelector(".page-title").id = "signin-title";
  const emailInput = form.querySelector("#signin-email");
  const passwordInput = form.querySelector("#signin-password");
  let pending = false;

  async function attempt(address, password, onRefused) {
    if (pending) return;
    pending = true;
    form.setAttribute("aria-busy", "true");
    problem = null;
    showProblem(form, "");
    try {
      const result = await signIn(address, password);
      if (result.done) await enter();
      else renderNewPassword(result);
    } catch (error) {
      problem = () => signInMessage(error);
      showProblem(form, problem(), error.code === "network" ? [] : [emailInput, passwordInput]);
      onRefused();
    } finally {
      pending = false;
      form.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    attempt(emailInput.value.trim(), passwordInput.value, () => {
      passwordInput.value = "";
      passwordInput.focus();
    });
  });

  const cards = [form];
  if (local() && state.config.members.length) {
    const firm = state.config.firm ? state.config.firm.name : "";
    cards.push(
      h(
        "section",
        { class: "card signin", "aria-labelledby": "demo-title" },
        h("h2", { id: "demo-title" }, t("signin.demo_title")),
        h("p", {}, t("signin.demo_help", { firm, password: state.config.demo_password || "" })),
        h(
          "ul",
          { class: "plain demo-members" },
          state.config.members.map((m) =>
            h(
              "li",
              {},
              h(
                "button",
                {
                  type: "button",
                  onclick: (e) => {
                    emailInput.value = m.email;
                    const button = e.currentTarget;
                    attempt(m.email, state.config.demo_password || "", () => button.focus());
                  },
                },
                `${m.name} (${t(`role.${m.role}`)})`,
              ),
            ),
          ),
        ),
      ),
    );
  }
  const redraw = () =>
    renderSignIn(problem ? { message: problem, email: emailInput.value } : { message, status, email: emailInput.value });
  cards.push(languagePicker(redraw));
  page(...cards);
  if (status && message) announce(message()); // (a status line drawn with the page is not read out by itself)
}

/** An invited member's first sign-in: the temporary password is replaced by one of their own. */
function renderNewPassword(challenge) {
  const form = h(
    "form",
    { class: "card signin", method: "post", "aria-labelledby": "new-password-title" },
    pageHeading(t("newpassword.title")),
    h("p", {}, t("newpassword.help", { email: challenge.email })),
    h("p", { id: "signin-error", class: "error", role: "alert" }),
    passwordField("new-password", t("newpassword.password"), "new-password"),
    passwordField("new-password-again", t("newpassword.again"), "new-password"),
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "primary" }, t("newpassword.submit")),
      h("button", { type: "button", onclick: () => renderSignIn({ email: challenge.email }) }, t("form.cancel")),
    ),
  );
  form.querySelector(".page-title").id = "new-password-title";
  const first = form.querySelector("#new-password");
  const again = form.querySelector("#new-password-again");
  let pending = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (pending) return;
    if (first.value !== again.value) {
      showProblem(form, t("newpassword.mismatch"), [again]);
      again.focus();
      return;
    }
    pending = true;
    form.setAttribute("aria-busy", "true");
    showProblem(form, "");
    try {
      await choosePassword(challenge, first.value);
      await enter();
    } catch (error) {
      if (["NotAuthorizedException", "ExpiredCodeException", "CodeMismatchException"].includes(error.code)) {
        renderSignIn({ message: () => t("newpassword.expired"), email: challenge.email }); // the challenge lasts minutes
        return;
      }
      const weak = ["InvalidPasswordException", "InvalidParameterException"].includes(error.code);
      showProblem(form, weak ? t("newpassword.weak") : signInMessage(error), weak ? [first, again] : []);
      first.focus();
    } finally {
      pending = false;
      form.removeAttribute("aria-busy");
    }
  });
  page(form, languagePicker(() => renderNewPassword(challenge)));
}

/** No config.json (or not a usable one): the page cannot know where to sign in. */
function renderUnconfigured() {
  page(
    h(
      "section",
      { class: "card signin", "aria-labelledby": "signin-title" },
      pageHeading(t("signin.title")),
      h("p", { class: "error", role: "alert" }, t("signin.unconfigured")),
    ),
    languagePicker(renderUnconfigured),
  );
  document.querySelector("#main .page-title").id = "signin-title";
}

start();
