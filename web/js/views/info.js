// The Info tab: account details, tags, team, custom fields and their history,
// related accounts, QuickBooks, and the contacts with their email settings.
// Editing controls appear only for members who may edit (canManage).
import { ApiError, get, request, withQuery } from "../api.js";
import { add, announce, clear, fill, h } from "../dom.js";
import {
  addressFieldset,
  checkboxGroup,
  checkedValues,
  field,
  formButtons,
  onSubmit,
  openForm,
  readAddress,
} from "../forms.js";
import { formatDate, formatMoney, t, term } from "../i18n.js";
import { ACCOUNT_TYPES, canManage, state, teamChoices } from "../state.js";
import { errorMessage, pager, statusBadge, tagChip } from "./common.js";

const EVENTS = ["new_message", "document_requested", "document_shared", "organizer_sent", "invoice_sent", "signature_requested", "proposal_sent"];
const enc = encodeURIComponent;
const contactHeadingId = (contact) => `contact-${contact.id}`;

/**
 * `changed(account)` updates the header after a save; `reload()` re-reads
 * the whole profile (after link/unlink, contact edits, or a stale edit).
 */
export function renderInfo(panel, account, { changed, reload }) {
  fill(panel, 
    h(
      "div",
      { class: "info-grid" },
      detailsCard(account, { changed, reload, panel }),
      customFieldsCard(account),
      relatedCard(account),
      quickbooksCard(account),
      contactsCard(account, reload),
    ),
  );
}

function card(title, id, ...children) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id, tabindex: "-1" }, title), ...children);
}

function row(label, value) {
  return [h("dt", {}, label), h("dd", {}, value === "" || value === null || value === undefined ? h("span", { class: "muted" }, "—") : value)];
}

function addressText(a) {
  if (!a) return "";
  return [a.line1, a.line2, [a.postal_code, a.city].filter(Boolean).join(" "), a.region, a.country].filter(Boolean).join(", ");
}

export function fieldValueText(kind, value) {
  if (value === null || value === undefined || value === "") return "";
  if (kind === "checkbox") return value ? t("common.yes") : t("common.no");
  if (kind === "date") return formatDate(value);
  if (kind === "number") return Number(value).toLocaleString(document.documentElement.lang);
  if (kind === "address") return addressText(value);
  return String(value);
}

// --- details -----------------------------------------------------------------

function detailsCard(account, { changed, reload, panel }) {
  const body = h("div", {});
  const show = () => {
    fill(body, 
      h(
        "dl",
        { class: "facts" },
        row(t("account.name"), account.name),
        row(t("account.type"), term(account.type)),
        row(t("account.tags"), account.tags.length ? h("span", { class: "tags" }, account.tags.map(tagChip)) : ""),
        row(t("account.team"), account.team_members.map((m) => m.name).join(", ")),
        row(t("account.address"), addressText(account.address)),
        row(t("account.credit"), formatMoney(account.credit_balance, account.currency)),
      ),
      canManage() ? h("button", { type: "button", class: "edit-account", onclick: edit }, t("account.edit")) : null,
    );
  };
  const edit = () => {
    const form = accountForm(account);
    onSubmit(
      form,
      async () => (await request("PATCH", `/accounts/${enc(account.id)}`, { body: accountPatch(form, account), version: account.version })).data,
      (updated) => {
        announce(t("form.saved"));
        changed(updated);
        renderInfo(panel, updated, { changed, reload });
        panel.querySelector(".edit-account")?.focus();
      },
      { onReload: () => reload() },
    );
    add(form, formButtons(() => { show(); body.querySelector(".edit-account")?.focus(); }));
    openForm(body, form);
  };
  show();
  return card(t("info.details"), "info-details", body);
}

function accountForm(account) {
  const fields = state.fields.filter((f) => f.target === "account");
  return h(
    "form",
    { class: "edit-form", "aria-label": t("account.edit"), novalidate: true },
    field({ path: "name", label: t("account.name"), value: account.name, required: true, attrs: { maxlength: 200 } }),
    field({ path: "type", label: t("account.type"), type: "select", value: account.type, options: ACCOUNT_TYPES.map((v) => ({ value: v, label: term(v) })) }),
    checkboxGroup({
      path: "tags",
      legend: t("account.tags"),
      options: state.tags.map((tag) => ({ value: tag.id, label: tag.name })),
      checked: account.tags.map((tag) => tag.id),
    }),
    checkboxGroup({
      path: "team_member_ids",
      legend: t("account.team"),
      options: teamChoices(account.team_members).map((m) => ({ value: m.id, label: m.name })),
      checked: account.team_members.map((m) => m.id),
    }),
    addressFieldset("address", t("account.address"), account.address),
    fields.length ? h("fieldset", { class: "group" }, h("legend", {}, t("info.custom_fields")), fields.map((f) => customInput(f, account.custom_fields[f.id]))) : null,
  );
}

/** The input for one custom field definition, by its kind. */
function customInput(def, value) {
  const path = `custom_fields.${def.id}`;
  const kinds = { text: "text", number: "number", date: "date", email: "email", phone: "tel" };
  if (def.kind === "checkbox") return field({ path, label: def.label, type: "checkbox", value });
  if (def.kind === "dropdown") {
    return field({ path, label: def.label, type: "select", value: value ?? "", options: [{ value: "", label: "—" }, ...def.options.map((o) => ({ value: o, label: o }))] });
  }
  if (def.kind === "address") return addressFieldset(path, def.label, value);
  return field({ path, label: def.label, type: kinds[def.kind] || "text", value: value ?? "", attrs: def.kind === "number" ? { step: "any" } : {} });
}

function readCustom(form, def) {
  const path = `custom_fields.${def.id}`;
  if (def.kind === "address") return readAddress(form, path);
  const input = form.elements.namedItem(path);
  if (!input) return undefined;
  if (def.kind === "checkbox") return input.checked;
  const raw = input.value.trim();
  if (raw === "") return null;
  if (def.kind === "number") return Number.isNaN(Number(raw)) ? raw : Number(raw); // the API explains a bad number
  return raw;
}

/** Only what changed: custom fields merge by id on the server and every change is a line of history. */
export function customFieldChanges(form, defs, before) {
  const out = {};
  for (const def of defs) {
    const now = readCustom(form, def);
    if (now === undefined) continue;
    const was = before[def.id] ?? null;
    const unset = now === null || (def.kind === "checkbox" && now === false && was === null);
    if (unset && was === null) continue;
    if (JSON.stringify(now) !== JSON.stringify(was)) out[def.id] = unset ? null : now;
  }
  return out;
}

function accountPatch(form, account) {
  const body = {
    name: form.elements.namedItem("name").value.trim(),
    type: form.elements.namedItem("type").value,
    tags: checkedValues(form, "tags"),
    team_member_ids: checkedValues(form, "team_member_ids"),
    address: readAddress(form, "address"),
  };
  const custom = customFieldChanges(form, state.fields.filter((f) => f.target === "account"), account.custom_fields);
  if (Object.keys(custom).length) body.custom_fields = custom;
  return body;
}

// --- custom fields and their history ------------------------------------------

function customFieldsCard(account) {
  const history = h("div", { class: "history", hidden: true });
  let cursors = [null];
  const toggle = h("button", { type: "button", "aria-expanded": "false", "aria-controls": "cf-history", onclick: () => showHistory() }, t("history.show"));
  history.id = "cf-history";

  async function showHistory(keepOpen = false, moveFocus = false) {
    const open = !keepOpen && toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", open ? "false" : "true");
    toggle.textContent = open ? t("history.show") : t("history.hide");
    history.hidden = open;
    if (open) return;
    fill(history, h("p", { class: "muted", role: "status" }, t("common.loading")));
    let data;
    try {
      data = await get(withQuery(`/accounts/${enc(account.id)}/custom-fields/history`, { limit: 10, cursor: cursors[cursors.length - 1] }));
    } catch (error) {
      fill(history, h("p", { class: "error", role: "alert" }, errorMessage(error)));
      return;
    }
    fill(history, 
      data.items.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              {},
              h("caption", { class: "sr-only" }, t("history.caption")),
              h("thead", {}, h("tr", {}, ["history.field", "history.old", "history.new", "history.who", "history.when"].map((k) => h("th", { scope: "col" }, t(k))))),
              h(
                "tbody",
                {},
                data.items.map((c) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, c.field.label, c.field.removed ? ` (${t("history.removed")})` : ""),
                    h("td", {}, fieldValueText(c.field.kind, c.old) || "—"),
                    h("td", {}, fieldValueText(c.field.kind, c.new) || "—"),
                    h("td", {}, c.changed_by ? c.changed_by.name : "—"),
                    h("td", {}, formatDate(c.at)),
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, t("history.none")),
      pager({ cursors, next: data.next_cursor, label: t("history.caption"), onChange: (c) => { cursors = c; showHistory(true, true); } }),
    );
    if (moveFocus) history.querySelector(".pager button:not([disabled])")?.focus();
  }

  const values = account.custom_field_values || [];
  return card(
    t("info.custom_fields"),
    "info-custom-fields",
    values.length ? h("dl", { class: "facts" }, values.map((v) => row(v.label, fieldValueText(v.kind, v.value)))) : h("p", { class: "muted" }, t("common.none")),
    toggle,
    history,
  );
}

// --- related accounts, QuickBooks ---------------------------------------------

function relatedCard(account) {
  return card(
    t("info.related"),
    "info-related",
    account.related_accounts.length
      ? h("ul", { class: "plain" }, account.related_accounts.map((r) => h("li", {}, h("a", { href: `#/accounts/${enc(r.id)}/info` }, r.name), " ", h("span", { class: "muted" }, term(r.type)))))
      : h("p", { class: "muted" }, t("related.none")),
  );
}

function quickbooksCard(account) {
  const q = account.quickbooks;
  return card(
    t("info.quickbooks"),
    "info-quickbooks",
    h(
      "dl",
      { class: "facts" },
      row(t("quickbooks.status"), statusBadge(`qb_${q.status}`)),
      row(t("quickbooks.synced_at"), formatDate(q.synced_at)),
      q.reason ? row(t("quickbooks.reason"), q.reason) : null,
      row(t("quickbooks.mode"), term(`sync_${q.sync_mode}`)),
    ),
  );
}

// --- contacts ------------------------------------------------------------------

function contactsCard(account, reload) {
  const slot = h("div", {});
  const linkButton = canManage()
    ? h("button", { type: "button", id: "link-contact", onclick: () => openForm(slot, linkForm(account, slot, reload, linkButton)) }, t("contacts.link"))
    : null;
  return card(
    t("info.contacts"),
    "info-contacts",
    linkButton,
    slot,
    h("ul", { class: "contacts plain" }, account.contacts.map((c) => h("li", {}, contactBlock(account, c, reload)))),
  );
}

function contactBlock(account, contact, reload) {
  const manage = canManage();
  const slot = h("div", {});
  const name = contact.display_name || [contact.first_name, contact.last_name].filter(Boolean).join(" ") || contact.emails[0]?.address;
  const block = h(
    "article",
    { class: "contact", "aria-label": name },
    h("h3", { id: contactHeadingId(contact), tabindex: "-1" }, name),
    h(
      "dl",
      { class: "facts" },
      row(t("contacts.description"), contact.description),
      row(t("contacts.signer_priority"), contact.signer_priority ?? ""),
      row(t("contacts.phones"), contact.phones.map((p) => (p.label ? `${p.number} (${p.label})` : p.number)).join(", ")),
      row(t("account.address"), addressText(contact.address)),
      (state.fields.filter((f) => f.target === "contact") || []).map((def) =>
        contact.custom_fields[def.id] !== undefined ? row(def.label, fieldValueText(def.kind, contact.custom_fields[def.id])) : null,
      ),
    ),
    manage
      ? h(
          "div",
          { class: "actions" },
          h("button", { type: "button", onclick: (e) => openForm(slot, contactForm(contact, slot, reload, e.currentTarget)) }, t("contacts.edit")),
          h("button", { type: "button", onclick: (e) => openForm(slot, linkEditForm(account, contact, slot, reload, e.currentTarget)) }, t("contacts.edit_link")),
          h("button", { type: "button", class: "danger", onclick: (e) => openForm(slot, unlinkConfirm(account, contact, name, slot, reload, e.currentTarget)) }, t("contacts.unlink")),
        )
      : null,
    slot,
    h("ul", { class: "emails plain" }, contact.emails.map((email) => h("li", {}, emailBlock(contact, email, reload)))),
    manage ? addEmailForm(contact, reload) : null,
  );
  return block;
}

function unlinkConfirm(account, contact, name, slot, reload, opener) {
  const message = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    { class: "confirm", "aria-label": t("contacts.unlink") },
    h("p", {}, t("contacts.unlink_confirm", { name, account: account.name })),
    message,
    h(
      "div",
      { class: "form-buttons" },
      h("button", { type: "submit", class: "danger" }, t("contacts.unlink")),
      h("button", { type: "button", onclick: () => { clear(slot); opener.focus(); } }, t("form.cancel")),
    ),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clear(message);
    try {
      await request("DELETE", `/accounts/${enc(account.id)}/contacts/${enc(contact.id)}`, { version: contact.link_version });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        // The last contact stays (every account keeps at least one): nothing to retry.
        message.textContent = t("contacts.last");
        form.querySelector("button[type=submit]")?.remove();
      } else {
        message.textContent = errorMessage(error);
        if (error instanceof ApiError && error.status === 412) {
          add(message, " ", h("button", { type: "button", onclick: () => reload(contactHeadingId(contact)) }, t("stale.reload")));
        }
      }
      return;
    }
    announce(t("contacts.unlinked", { name }));
    reload("info-contacts");
  });
  return form;
}

function contactForm(contact, slot, reload, opener) {
  const defs = state.fields.filter((f) => f.target === "contact");
  const phones = h("div", { class: "phones" });
  // Rows are sent as they are (an empty one is refused next to itself), so the
  // API's phones.N paths name the rows on screen; "Remove" takes one out.
  let rows = 0;
  const addPhone = (p = { number: "", label: "" }) => {
    const index = rows;
    rows += 1;
    const row = h(
      "div",
      { class: "phone-row", "data-path": `phones.${index}` },
      field({ path: `phones.${index}.number`, label: t("contacts.phone_number"), type: "tel", value: p.number }),
      field({ path: `phones.${index}.label`, label: t("contacts.phone_label"), value: p.label }),
      h("button", { type: "button", class: "link", onclick: () => { row.remove(); addButton.focus(); } }, t("contacts.remove_phone")),
      h("p", { class: "field-error", hidden: true }),
    );
    add(phones, row);
    return row;
  };
  const addButton = h("button", { type: "button", onclick: () => addPhone().querySelector("input").focus() }, t("contacts.add_phone"));
  contact.phones.forEach(addPhone);
  const form = h(
    "form",
    { class: "edit-form", "aria-label": t("contacts.edit"), novalidate: true },
    field({ path: "first_name", label: t("contacts.first_name"), value: contact.first_name }),
    field({ path: "middle_name", label: t("contacts.middle_name"), value: contact.middle_name }),
    field({ path: "last_name", label: t("contacts.last_name"), value: contact.last_name }),
    h("fieldset", { class: "field group", "data-path": "phones" }, h("legend", {}, t("contacts.phones")), phones, addButton, h("p", { class: "field-error", hidden: true })),
    addressFieldset("address", t("account.address"), contact.address),
    defs.length ? h("fieldset", { class: "group" }, h("legend", {}, t("info.custom_fields")), defs.map((def) => customInput(def, contact.custom_fields[def.id]))) : null,
  );
  onSubmit(
    form,
    async () => {
      const body = {
        first_name: form.elements.namedItem("first_name").value.trim(),
        middle_name: form.elements.namedItem("middle_name").value.trim(),
        last_name: form.elements.namedItem("last_name").value.trim(),
        phones: [...phones.children].map((row, i) => {
          // Numbered as sent, so an error at phones.i lands on this row.
          row.dataset.path = `phones.${i}`;
          const [number, label] = row.querySelectorAll(":scope > .field");
          number.dataset.path = `phones.${i}.number`;
          label.dataset.path = `phones.${i}.label`;
          return { number: number.querySelector("input").value.trim(), label: label.querySelector("input").value.trim() };
        }),
        address: readAddress(form, "address"),
      };
      const custom = customFieldChanges(form, defs, contact.custom_fields);
      if (Object.keys(custom).length) body.custom_fields = custom;
      return request("PATCH", `/contacts/${enc(contact.id)}`, { body, version: contact.version });
    },
    () => { announce(t("form.saved")); reload(contactHeadingId(contact)); },
    { onReload: () => reload(contactHeadingId(contact)) },
  );
  add(form, formButtons(() => { clear(slot); opener.focus(); }));
  return form;
}

function linkEditForm(account, contact, slot, reload, opener) {
  const form = h(
    "form",
    { class: "edit-form", "aria-label": t("contacts.edit_link"), novalidate: true },
    field({ path: "description", label: t("contacts.description"), value: contact.description, attrs: { maxlength: 500 } }),
    field({ path: "signer_priority", label: t("contacts.signer_priority"), type: "number", value: contact.signer_priority ?? "", attrs: { min: 1, step: 1 } }),
  );
  onSubmit(
    form,
    () => {
      const priority = form.elements.namedItem("signer_priority").value.trim();
      return request("PATCH", `/accounts/${enc(account.id)}/contacts/${enc(contact.id)}`, {
        body: { description: form.elements.namedItem("description").value.trim(), signer_priority: priority === "" ? null : Number(priority) },
        version: contact.link_version,
      });
    },
    () => { announce(t("form.saved")); reload(contactHeadingId(contact)); },
    { onReload: () => reload(contactHeadingId(contact)) },
  );
  add(form, formButtons(() => { clear(slot); opener.focus(); }));
  return form;
}

function linkForm(account, slot, reload, opener) {
  const linked = new Set(account.contacts.map((c) => c.id));
  const choice = h("div", { class: "existing-choice" });
  const form = h(
    "form",
    { class: "edit-form", "aria-label": t("contacts.link"), novalidate: true },
    h(
      "fieldset",
      { class: "group" },
      h("legend", {}, t("contacts.link_kind")),
      ["new", "existing"].map((kind) =>
        h(
          "div",
          { class: "check" },
          h("input", { type: "radio", name: "kind", id: `link-${kind}`, value: kind, checked: kind === "new", onchange: () => swap(kind) }),
          h("label", { for: `link-${kind}` }, t(`contacts.link_${kind}`)),
        ),
      ),
    ),
    choice,
    field({ path: "description", label: t("contacts.description"), attrs: { maxlength: 500 } }),
  );
  let shown = null;
  async function swap(kind) {
    shown = kind;
    clear(choice);
    if (kind === "new") {
      add(choice, 
        field({ path: "first_name", label: t("contacts.first_name") }),
        field({ path: "last_name", label: t("contacts.last_name") }),
        field({ path: "emails.0", label: t("contacts.email"), type: "email" }),
      );
      return;
    }
    add(choice, h("p", { class: "muted", role: "status" }, t("common.loading")));
    const select = field({ path: "contact_id", label: t("contacts.existing"), type: "select", options: [{ value: "", label: "—" }] });
    // The firm's contacts, alphabetical, a page at a time ("More contacts" adds the next).
    const more = async (cursor) => {
      let page;
      try {
        page = await get(withQuery("/contacts", { limit: 100, cursor }));
      } catch (error) {
        if (shown === "existing") fill(choice, h("p", { class: "error", role: "alert" }, errorMessage(error)));
        return;
      }
      if (shown !== "existing") return; // the user went back to "a new person" meanwhile
      const list = select.querySelector("select");
      for (const c of page.items.filter((c) => !linked.has(c.id))) {
        add(list, h("option", { value: c.id }, `${c.display_name}${c.emails[0] ? ` <${c.emails[0].address}>` : ""}`));
      }
      fill(
        choice,
        select,
        page.next_cursor
          ? h("button", { type: "button", onclick: () => more(page.next_cursor).then(() => list.focus()) }, t("contacts.more"))
          : null,
      );
    };
    await more(null);
  }
  swap("new");
  onSubmit(
    form,
    () => {
      const value = (name) => form.elements.namedItem(name)?.value.trim() ?? "";
      const description = value("description");
      const body = form.elements.namedItem("contact_id")
        ? { contact_id: value("contact_id"), description }
        : { first_name: value("first_name"), last_name: value("last_name"), emails: value("emails.0") ? [value("emails.0")] : [], description };
      return request("POST", `/accounts/${enc(account.id)}/contacts`, { body });
    },
    () => { announce(t("form.saved")); reload("info-contacts"); },
  );
  add(form, formButtons(() => { clear(slot); opener.focus(); }));
  return form;
}

function addEmailForm(contact, reload) {
  const form = h(
    "form",
    { class: "add-email", "aria-label": t("emails.add"), novalidate: true },
    field({ path: "address", label: t("emails.add_label"), type: "email", attrs: { autocomplete: "off" } }),
    h("button", { type: "submit" }, t("emails.add")),
  );
  onSubmit(
    form,
    () => request("POST", `/contacts/${enc(contact.id)}/emails`, { body: { address: form.elements.namedItem("address").value.trim() } }),
    () => { announce(t("form.saved")); reload(contactHeadingId(contact)); },
  );
  return form;
}

/** One address: its login with invite/resend/revoke, and the notify, sync and signing switches. */
function emailBlock(contact, email, reload) {
  const manage = canManage();
  const path = `/contacts/${enc(contact.id)}/emails/${enc(email.address)}`;
  const message = h("p", { class: "error", role: "alert" });
  let version = email.version;
  const here = contactHeadingId(contact);
  // One change at a time per address: each PATCH carries the version the one
  // before it returned (two quick switches would otherwise meet a false 412).
  let queue = Promise.resolve(null);

  /** `makeBody()` runs when the change's turn comes, so it sees the changes before it. */
  function patch(makeBody, control, revert) {
    const turn = queue.then(() => send(makeBody(), control, revert));
    queue = turn.catch(() => null);
    return turn;
  }

  async function send(body, control, revert) {
    message.textContent = "";
    try {
      const { data } = await request("PATCH", path, { body, version });
      version = data.version;
      Object.assign(email, data);
      announce(t("form.saved"));
      return data;
    } catch (error) {
      if (revert) revert();
      message.textContent = errorMessage(error);
      if (error instanceof ApiError && error.status === 412) {
        add(message, " ", h("button", { type: "button", onclick: () => reload(here) }, t("stale.reload")));
      }
      control?.focus();
      return null;
    }
  }

  function toggle(key) {
    const id = `${contact.id}-${email.address}-${key}`;
    if (!manage) return h("span", { class: "setting" }, `${t(`emails.${key}`)}: `, h("strong", {}, email[key] ? t("common.on") : t("common.off")));
    const box = h("input", {
      type: "checkbox",
      id,
      checked: email[key],
      onchange: (e) => {
        const input = e.target;
        const wanted = input.checked;
        patch(() => ({ [key]: wanted }), input, () => { input.checked = !wanted; }).then((data) => {
          if (data && key === "notify") prefs.querySelectorAll("input").forEach((i) => { i.disabled = !data.notify; });
        });
      },
    });
    return h("span", { class: "check setting" }, box, h("label", { for: id }, t(`emails.${key}`)));
  }

  const prefs = h(
    "details",
    { class: "prefs" },
    h("summary", {}, t("emails.preferences")),
    h(
      "ul",
      { class: "plain" },
      EVENTS.map((event) => {
        const on = email.notification_preferences[event] !== false; // a type not listed is on
        const id = `${contact.id}-${email.address}-pref-${event}`;
        if (!manage) return h("li", {}, `${t(`event.${event}`)}: `, h("strong", {}, on ? t("common.on") : t("common.off")));
        return h(
          "li",
          { class: "check" },
          h("input", {
            type: "checkbox",
            id,
            checked: on,
            disabled: !email.notify,
            onchange: (e) => {
              const input = e.target;
              const wanted = input.checked;
              patch(() => ({ notification_preferences: { ...email.notification_preferences, [event]: wanted } }), input, () => { input.checked = !wanted; });
            },
          }),
          h("label", { for: id }, t(`event.${event}`)),
        );
      }),
    ),
  );

  const login = h("div", { class: "login" }, h("span", {}, `${t("emails.login")}: `), statusBadge(`login_${email.login}`));
  if (email.login === "invited" && email.invitation) {
    add(login, h("span", { class: "muted" }, ` ${t("emails.invited_at", { date: formatDate(email.invitation.sent_at) })}`));
    if (email.invitation.delivery === "failed") add(login, h("span", { class: "badge status-bounced" }, t("emails.delivery_failed")));
  }
  if (email.login === "active" && email.login_since) add(login, h("span", { class: "muted" }, ` ${t("emails.active_since", { date: formatDate(email.login_since) })}`));
  if (manage) {
    const invite = async (e) => {
      message.textContent = "";
      e.target.disabled = true;
      try {
        await request("POST", `${path}/invite`);
      } catch (error) {
        message.textContent = errorMessage(error);
        e.target.disabled = false;
        return;
      }
      announce(t("emails.invite_sent", { address: email.address }));
      reload(here);
    };
    if (email.login === "none") add(login, h("button", { type: "button", onclick: invite }, t("emails.invite")));
    if (email.login === "invited") add(login, h("button", { type: "button", onclick: invite }, t("emails.resend")));
    if (email.login !== "none") {
      add(login, 
        h("button", { type: "button", class: "danger", onclick: async (e) => { if (await patch(() => ({ login: "none" }), e.target)) reload(here); } }, t("emails.revoke")),
      );
    }
    if (contact.emails.length > 1) {
      add(login, 
        h(
          "button",
          {
            type: "button",
            class: "link",
            onclick: async () => {
              try {
                await request("DELETE", path, { version });
              } catch (error) {
                message.textContent = errorMessage(error);
                return;
              }
              announce(t("emails.removed", { address: email.address }));
              reload(here);
            },
          },
          t("emails.remove"),
        ),
      );
    }
  }

  return h(
    "fieldset",
    { class: "email" },
    h("legend", {}, email.address),
    login,
    h("div", { class: "settings" }, toggle("notify"), toggle("email_sync"), toggle("signing_authority")),
    prefs,
    message,
  );
}
