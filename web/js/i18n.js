// English and Dutch. The language comes from the browser (navigator.languages)
// unless the user picked one, which is remembered in localStorage.
import { EN as BASE_EN, NL as BASE_NL } from "./messages.js";
import { EN as DATA_EN, NL as DATA_NL } from "./messages_data.js";

const EN = { ...BASE_EN, ...DATA_EN };
const CATALOGUES = { en: EN, nl: { ...BASE_NL, ...DATA_NL } };
export const LANGUAGES = [
  { code: "en", name: "English" },
  { code: "nl", name: "Nederlands" },
];
const STORE = "dossier.lang";

let lang = pick();

function pick() {
  const saved = localStorage.getItem(STORE);
  if (saved && CATALOGUES[saved]) return saved;
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (CATALOGUES[base]) return base;
  }
  return "en";
}

export function language() {
  return lang;
}

/** Switches the page's language; `remember` is for the user's own choice (not the browser's). */
export function setLanguage(code, { remember = false } = {}) {
  if (!CATALOGUES[code]) return;
  lang = code;
  if (remember) localStorage.setItem(STORE, code);
  document.documentElement.lang = code;
}

/** t("clients.count", {n: 3}): the message in the current language, {name}s filled in. */
export function t(key, vars = {}) {
  const text = CATALOGUES[lang][key] ?? EN[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A fixed API value (status, type, kind…) in words; the raw value when not translated. */
export function term(value) {
  if (value === null || value === undefined || value === "") return "";
  const key = `term.${value}`;
  return CATALOGUES[lang][key] ?? EN[key] ?? String(value).replace(/_/g, " ");
}

const dateTime = () => new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = () => new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" });

/** "2026-11-26T17:42:00Z" in the user's time zone; "2026-11-26" as that calendar day. */
export function formatDate(value) {
  if (!value) return "";
  const day = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const parsed = new Date(day ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(parsed.getTime())) return String(value);
  return (day ? dateOnly() : dateTime()).format(parsed);
}

export function formatMoney(amount, currency) {
  if (amount === null || amount === undefined) return "";
  try {
    return new Intl.NumberFormat(lang, { style: "currency", currency: currency || "USD" }).format(Number(amount));
  } catch {
    return `${amount} ${currency || ""}`.trim();
  }
}

export function formatMinutes(minutes) {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h ? t("time.hm", { h, m: String(m).padStart(2, "0") }) : t("time.m", { m });
}
