// Form building blocks: labelled fields with an error slot each, the API's
// field errors placed next to their fields, and the stale-edit (412) notice.
import { ApiError, fieldErrors } from "./api.js";
import { add, fill, h, newId } from "./dom.js";
import { t } from "./i18n.js";
import { errorMessage } from "./views/common.js";

/** A labelled input (or select/textarea) whose errors show under it; `path` is the API's field path. */
export function field({ path, label, type = "text", value = "", options, required, attrs = {} }) {
  const id = newId("f");
  const errorId = `${id}-error`;
  let control;
  if (type === "select") {
    control = h(
      "select",
      { id, name: path, required, ...attrs },
      options.map((o) => h("option", { value: o.value, selected: String(o.value) === String(value ?? "") }, o.label)),
    );
  } else if (type === "textarea") {
    control = h("textarea", { id, name: path, required, ...attrs }, value ?? "");
  } else if (type === "checkbox") {
    control = h("input", { id, name: path, type, checked: Boolean(value), ...attrs });
  } else {
    control = h("input", { id, name: path, type, value: value ?? "", required, ...attrs });
  }
  const wrapper = h(
    "div",
    { class: type === "checkbox" ? "field check" : "field", "data-path": path },
    type === "checkbox" ? [control, h("label", { for: id }, label)] : [h("label", { for: id }, label), control],
    h("p", { id: errorId, class: "field-error", hidden: true }),
  );
  return wrapper;
}

/** A labelled select that acts when changed (pickers, list filters); `any` puts "Any" (value "") first. */
export function selectField({ id, label, options, value, onchange, any = false, inline = false }) {
  return h(
    "div",
    { class: inline ? "field inline" : "field" },
    h("label", { for: id }, label),
    h(
      "select",
      { id, onchange },
      any ? h("option", { value: "" }, t("filter.any")) : null,
      options.map((o) => h("option", { value: o.value, selected: String(o.value) === String(value ?? ""), lang: o.lang }, o.label)),
    ),
  );
}

/** A fieldset of checkboxes (tags, team members): `path` holds the checked values as a list. */
export function checkboxGroup({ path, legend, options, checked }) {
  const errorId = newId("err");
  return h(
    "fieldset",
    { class: "field group", "data-path": path },
    h("legend", {}, legend),
    options.length
      ? options.map((o) => {
          const id = newId("c");
          return h(
            "div",
            { class: "check" },
            h("input", { id, type: "checkbox", name: path, value: o.value, checked: checked.includes(o.value) }),
            h("label", { for: id }, o.label),
          );
        })
      : h("p", { class: "muted" }, t("common.none")),
    h("p", { id: errorId, class: "field-error", hidden: true }),
  );
}

export const ADDRESS_PARTS = ["line1", "line2", "city", "region", "postal_code", "country"];

export function addressFieldset(path, legend, address) {
  const a = address || {};
  return h(
    "fieldset",
    { class: "field group address", "data-path": path },
    h("legend", {}, legend),
    ADDRESS_PARTS.map((part) =>
      field({
        path: `${path}.${part}`,
        label: t(`address.${part}`),
        value: a[part] || "",
        attrs: part === "country" ? { maxlength: 2, autocomplete: "country", placeholder: "NL", style: { "text-transform": "uppercase" } } : {},
      }),
    ),
    h("p", { class: "field-error", hidden: true }),
  );
}

export function readAddress(form, path) {
  const out = {};
  for (const part of ADDRESS_PARTS) {
    const input = form.elements.namedItem(`${path}.${part}`);
    out[part] = input ? input.value.trim() : "";
  }
  out.country = out.country.toUpperCase();
  return ADDRESS_PARTS.some((p) => out[p]) ? out : null;
}

export function checkedValues(form, path) {
  return [...form.querySelectorAll(`input[type=checkbox][name="${CSS.escape(path)}"]:checked`)].map((i) => i.value);
}

/** The form's error summary (role=alert) at its top, created on first use. */
function summary(form) {
  let box = form.querySelector(":scope > .form-errors");
  if (!box) {
    box = h("div", { class: "form-errors", role: "alert", tabindex: "-1" });
    form.prepend(box);
  }
  return box;
}

export function clearErrors(form) {
  form.querySelector(":scope > .form-errors")?.remove();
  for (const wrapper of form.querySelectorAll("[data-path]")) {
    const slot = wrapper.querySelector(":scope > .field-error");
    if (slot) {
      slot.hidden = true;
      slot.textContent = "";
    }
    for (const control of wrapper.querySelectorAll("input, select, textarea")) {
      control.removeAttribute("aria-invalid");
      control.removeAttribute("aria-describedby");
    }
  }
}

/** The deepest field whose path is the error's path or a prefix of it ("address.country" → that input, "phones.1.number" → phones). */
function fieldFor(form, path) {
  const parts = path.split(".");
  while (parts.length) {
    const wrapper = form.querySelector(`[data-path="${CSS.escape(parts.join("."))}"]`);
    if (wrapper) return wrapper;
    parts.pop();
  }
  return null;
}

/**
 * Shows an ApiError on the form: each field error next to its field
 * (aria-invalid, aria-describedby), others and the problem's detail in the
 * summary, and moves focus to the first invalid field.
 */
export function showError(form, error, { onReload } = {}) {
  clearErrors(form);
  const box = summary(form);
  if (error instanceof ApiError && error.status === 412) {
    box.classList.add("stale");
    add(box, 
      h("p", {}, h("strong", {}, t("stale.title")), " ", t("stale.text")),
      onReload ? h("button", { type: "button", class: "primary", onclick: onReload }, t("stale.reload")) : null,
    );
    box.focus();
    return;
  }
  const errors = error instanceof ApiError ? fieldErrors(error) : {};
  let first = null;
  const loose = [];
  for (const [path, msg] of Object.entries(errors)) {
    const wrapper = fieldFor(form, path);
    const slot = wrapper && wrapper.querySelector(":scope > .field-error");
    if (!slot) {
      loose.push(msg);
      continue;
    }
    slot.hidden = false;
    slot.textContent = slot.textContent ? `${slot.textContent} ${msg}` : msg;
    const control = wrapper.querySelector(":scope > input, :scope > select, :scope > textarea, input, select");
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", slot.id || (slot.id = newId("err")));
      first = first || control;
    }
  }
  const detail = errorMessage(error);
  add(box, h("p", {}, Object.keys(errors).length ? t("form.fix") : detail));
  if (loose.length) add(box, h("ul", {}, loose.map((m) => h("li", {}, m))));
  if (first) first.focus();
  else box.focus();
}

/**
 * Wires a form's submit to `save()` (which sends and returns a result):
 * disables the submit button while sending, shows errors, calls `done(result)`.
 */
export function onSubmit(form, save, done, { onReload } = {}) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    clearErrors(form);
    let result;
    try {
      result = await save();
    } catch (error) {
      showError(form, error, { onReload });
      return;
    } finally {
      if (button) button.disabled = false;
    }
    done(result); // saved: a failure from here on is not the save's
  });
}

export function formButtons(onCancel) {
  return h(
    "div",
    { class: "form-buttons" },
    h("button", { type: "submit", class: "primary" }, t("form.save")),
    h("button", { type: "button", onclick: onCancel }, t("form.cancel")),
  );
}

/** Replaces `slot`'s content with `form` and focuses its first field (or, with none, its first button). */
export function openForm(slot, form) {
  fill(slot, form);
  form.querySelector("input:not([type=hidden]), select, textarea, button")?.focus();
}
