// The CSV import (owners and admins; docs/api.md "CSV import"): choose a file, it
// is uploaded to the presigned URL the API gives and checked in a dry run, whose
// report (counts, and each bad row's column and reason) comes first; "Import for
// real" starts the same import again, which the API allows once a dry run finished.
import { ApiError, get, request, withQuery } from "../api.js";
import { add, announce, fill, h } from "../dom.js";
import { t } from "../i18n.js";
import { isAdmin } from "../state.js";
import { errorMessage, focusHeading, pageHeading } from "./common.js";

const POLL_MS = 1000; // the API's advice for jobs: every second or two
const FINISHED = ["completed", "failed", "cancelled"];
const enc = encodeURIComponent;

/** `current()` is the router's: false once the user went elsewhere (polling then stops). */
export function renderImport(main, { current }) {
  document.title = `${t("import.title")} · ${t("shell.title")}`;
  if (!isAdmin()) {
    fill(main, h("section", { class: "card empty-page" }, pageHeading(t("import.title")), h("p", {}, t("import.not_allowed"))));
    focusHeading(main);
    return;
  }
  const input = h("input", { id: "import-file", type: "file", accept: ".csv,text/csv", "aria-describedby": "import-columns" });
  const problem = h("div", { class: "error", role: "alert" });
  const progress = h("div", { class: "import-progress" });
  const report = h("div", { class: "import-report" });
  const form = h(
    "form",
    { class: "card import-form", "aria-labelledby": "import-form-title" },
    h("h2", { id: "import-form-title" }, t("import.choose")),
    h("p", {}, t("import.help")),
    h("p", { id: "import-columns", class: "muted" }, t("import.columns")),
    h("div", { class: "field" }, h("label", { for: "import-file" }, t("import.file")), input),
    problem,
    h("div", { class: "form-buttons" }, h("button", { type: "submit", class: "primary" }, t("import.check"))),
  );
  fill(main, pageHeading(t("import.title")), form, progress, report);
  focusHeading(main);

  let run = 0; // each new run makes an earlier one's polling give up
  const alive = (mine) => mine === run && current();

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const file = input.files[0];
    fill(problem);
    fill(report);
    if (!file) {
      problem.textContent = t("import.choose_file");
      input.focus();
      return;
    }
    run += 1;
    const mine = run;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const id = await upload(file, progress);
      if (!alive(mine)) return;
      await startRun(id, true);
      if (!alive(mine)) return;
      await follow(id, file.name, true, mine);
    } catch (error) {
      if (alive(mine)) showProblem(error);
    } finally {
      button.disabled = false;
    }
  });

  function showProblem(error) {
    fill(progress);
    fill(problem, h("p", {}, refusal(error)), fieldList(error));
    problem.setAttribute("tabindex", "-1");
    problem.focus();
  }

  /** Polls the import until it finishes, showing its progress; then its report. */
  async function follow(id, name, dryRun, mine) {
    let job;
    for (;;) {
      job = await get(`/imports/${enc(id)}`);
      if (!alive(mine)) return;
      if (job.dry_run === dryRun && FINISHED.includes(job.status)) break;
      showProgress(id, job, dryRun);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (!alive(mine)) return;
    }
    fill(progress);
    if (job.status === "cancelled") {
      fill(report, h("p", { class: "card notice", role: "status" }, t("import.cancelled")));
      return;
    }
    if (job.status === "failed") {
      fill(report, h("div", { class: "card error", role: "alert" }, h("p", {}, t("import.failed", { reason: job.error || t("error.generic") }))));
      return;
    }
    showReport(id, name, job, mine);
  }

  function showProgress(id, job, dryRun) {
    const text = job.status === "queued" ? t("import.queued") : t(dryRun ? "import.progress_dry" : "import.progress_real", { n: job.counts.rows });
    let line = progress.querySelector(".import-status");
    if (!line) {
      line = h("p", { class: "import-status", role: "status" });
      const bar = h("progress", { "aria-labelledby": "import-status-text" }); // no value: as long as it takes
      fill(
        progress,
        h(
          "div",
          { class: "card" },
          line,
          bar,
          h(
            "div",
            { class: "form-buttons" },
            h("button", { type: "button", class: "danger", onclick: (e) => cancel(id, e.currentTarget) }, t("import.cancel")),
          ),
        ),
      );
      line.id = "import-status-text";
    }
    line.textContent = text;
    const bar = progress.querySelector("progress");
    if (bar && job.total_rows) {
      bar.max = job.total_rows; // with a value the bar fills as the rows are done
      bar.value = job.counts.rows;
    }
  }

  async function cancel(id, button) {
    button.disabled = true;
    try {
      await request("DELETE", `/imports/${enc(id)}`);
    } catch (error) {
      // 409 job_finished: it ended meanwhile; the polling shows how
      if (!(error instanceof ApiError && error.status === 409)) showProblem(error);
    }
  }

  function showReport(id, name, job, mine) {
    const dry = job.dry_run;
    const headingId = "import-report-title";
    const errorsBody = h("tbody", {}, job.errors.map(errorRow));
    let next = job.errors_next_cursor;
    const more = h("button", { type: "button", class: "more-errors", hidden: !next }, t("import.more_errors"));
    more.addEventListener("click", async () => {
      more.disabled = true;
      try {
        const page = await get(withQuery(`/imports/${enc(id)}/errors`, { cursor: next, limit: 100 }));
        add(errorsBody, page.items.map(errorRow));
        next = page.next_cursor;
        more.hidden = !next;
      } catch (error) {
        showProblem(error);
      } finally {
        more.disabled = false;
      }
    });
    const buttons = h(
      "div",
      { class: "form-buttons" },
      dry
        ? h("button", { type: "button", class: "primary", onclick: (e) => runForReal(id, name, e.currentTarget) }, t("import.run"))
        : null,
      h("button", { type: "button", onclick: restart }, t("import.another")),
    );
    fill(
      report,
      h(
        "section",
        { class: "card", "aria-labelledby": headingId },
        h("h2", { id: headingId, tabindex: "-1" }, t(dry ? "import.report_dry" : "import.report_real", { name })),
        h("h3", {}, t("import.counts")),
        countsList(job.counts, dry),
        h("h3", {}, t("import.errors")),
        job.errors.length
          ? h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { class: "import-errors" },
                h("caption", { class: "sr-only" }, t("import.errors")),
                h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("import.col_row")), h("th", { scope: "col" }, t("import.col_column")), h("th", { scope: "col" }, t("import.col_reason")))),
                errorsBody,
              ),
            )
          : h("p", { class: "muted" }, t("import.no_errors")),
        more,
        dry ? h("p", { class: "muted" }, t("import.run_note")) : null,
        buttons,
      ),
    );
    const c = job.counts;
    announce(t(dry ? "import.summary_dry" : "import.summary_real", { created: c.created, updated: c.updated, unchanged: c.unchanged, failed: c.failed }));
    if (alive(mine)) report.querySelector(`#${headingId}`).focus();
  }

  async function runForReal(id, name, button) {
    run += 1;
    const mine = run;
    button.disabled = true;
    fill(problem);
    try {
      await startRun(id, false);
      if (!alive(mine)) return;
      fill(report);
      await follow(id, name, false, mine);
    } catch (error) {
      button.disabled = false;
      if (alive(mine)) showProblem(error);
    }
  }

  function restart() {
    run += 1;
    fill(report);
    fill(progress);
    fill(problem);
    input.value = "";
    input.focus();
  }
}

/** POST /imports, then the file to its presigned upload URL; the import's id. */
async function upload(file, progress) {
  fill(progress, h("p", { class: "card muted", role: "status" }, t("import.uploading", { name: file.name })));
  const created = (await request("POST", "/imports", { body: { kind: "accounts", format: "csv", size: file.size } })).data;
  let response;
  try {
    // Straight to the bucket (no bearer token: the URL is the permission); the type is part of its signature.
    response = await fetch(created.upload_url, { method: "PUT", headers: { "Content-Type": "text/csv" }, body: file });
  } catch {
    throw new Error(t("import.upload_failed"));
  }
  if (!response.ok) throw new Error(t("import.upload_failed"));
  return created.id;
}

const startRun = (id, dryRun) => request("POST", `/imports/${enc(id)}/start`, { body: { dry_run: dryRun } });

/** The API's words for a refused file or request; an upload's own failure as it was thrown. */
function refusal(error) {
  if (!(error instanceof ApiError)) return error && error.message ? error.message : t("error.generic");
  if (error.status === 422 && error.problem.detail) return t("import.refused", { reason: error.problem.detail });
  return errorMessage(error);
}

/** A refused file's problems per column (`loc: ["file", "<column>"]`) or field. */
function fieldList(error) {
  if (!(error instanceof ApiError) || !error.errors.length) return null;
  const items = error.errors
    .map((e) => {
      const loc = (e.loc || []).filter((part) => part !== "file" && part !== "body").join(".");
      return loc ? `${loc}: ${e.msg}` : e.msg;
    })
    .filter((text) => text && text !== error.problem.detail);
  return items.length ? h("ul", {}, items.map((text) => h("li", {}, text))) : null;
}

function errorRow(e) {
  return h(
    "tr",
    {},
    h("td", {}, String(e.row)),
    h("td", {}, e.column ? h("code", {}, e.column) : h("span", { class: "muted" }, t("import.whole_row"))),
    h("td", {}, e.msg),
  );
}

function countsList(counts, dry) {
  const entry = (key, value) => [h("dt", {}, t(key)), h("dd", { "data-count": key.replace(/^import\.count_|_dry$/g, "") }, String(value))];
  return h(
    "dl",
    { class: "facts import-counts" },
    entry("import.count_rows", counts.rows),
    entry(dry ? "import.count_created_dry" : "import.count_created", counts.created),
    entry(dry ? "import.count_updated_dry" : "import.count_updated", counts.updated),
    entry("import.count_unchanged", counts.unchanged),
    entry("import.count_failed", counts.failed),
  );
}
