// What the whole page shares: the signed-in member and the firm's catalogues
// (tags, custom field definitions, members when the caller may list them).
import { get, getAll } from "./api.js";

export const ACCOUNT_TYPES = ["individual", "company", "other"];

export const state = {
  config: null, // /config.json: the API, the identity provider; in local mode the demo members
  me: null,
  tags: [],
  fields: [],
  members: null, // null when the caller may not list members (employees)
};

export function isAdmin() {
  return Boolean(state.me && (state.me.role === "owner" || state.me.role === "admin"));
}

/** Owner, admin, or an employee with "manage accounts" (on the accounts they may open). */
export function canManage() {
  return Boolean(state.me && (isAdmin() || state.me.rights.manage_accounts));
}

export async function loadCatalogues() {
  const [me, tags, fields] = await Promise.all([get("/me"), getAll("/tags"), getAll("/custom-fields")]);
  state.me = me;
  state.tags = tags;
  state.fields = fields.filter((f) => !f.removed);
  state.members = isAdmin() ? await getAll("/members") : null;
}

/** Signed out: nothing of the firm stays in the page. */
export function forgetCatalogues() {
  state.me = null;
  state.tags = [];
  state.fields = [];
  state.members = null;
}

/** Members to offer as team members: all of them for admins, otherwise the caller and the current team. */
export function teamChoices(current = []) {
  if (state.members) return state.members.map((m) => ({ id: m.id, name: m.name }));
  const seen = new Map(current.map((m) => [m.id, m]));
  if (state.me) seen.set(state.me.id, { id: state.me.id, name: state.me.name });
  return [...seen.values()];
}

export function tagById(id) {
  return state.tags.find((tag) => tag.id === id);
}
