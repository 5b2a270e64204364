// The thirteen activity sections (keys and order of docs/api.md, "Activity sections"), their status
// values for "show all" filters, and how one item reads in a list.
import { formatDate, formatMinutes, formatMoney, t, term } from "./i18n.js";

const join = (...parts) => parts.filter((p) => p !== null && p !== undefined && p !== "").join(" · ");

export const SECTIONS = [
  {
    key: "documents",
    line: (d) => ({ title: d.name, meta: join(formatDate(d.uploaded_at), d.uploaded_by && term(`by_${d.uploaded_by}`)) }),
  },
  {
    key: "tasks",
    statuses: ["planned", "in_progress", "done"],
    line: (d) => ({
      title: d.title,
      status: d.status,
      meta: join(d.due_date && t("meta.due", { date: formatDate(d.due_date) }), d.assignee && d.assignee.name),
    }),
  },
  {
    key: "emails",
    statuses: ["draft", "sent", "delivered", "opened", "bounced", "received"],
    line: (d) => ({ title: d.subject, status: d.status, meta: join(term(d.direction), formatDate(d.at)) }),
  },
  {
    key: "jobs",
    statuses: ["active", "completed", "archived"],
    line: (d) => ({
      title: d.name,
      status: d.status,
      meta: join(d.pipeline && d.pipeline.name, d.stage && d.stage.name),
    }),
  },
  {
    key: "chats",
    statuses: ["open", "closed"],
    line: (d) => ({
      title: d.subject,
      status: d.status,
      detail: d.last_message,
      // A chat without messages yet has no last author.
      meta: d.last_author ? t("meta.last_answer", { who: term(`author_${d.last_author}`), when: formatDate(d.last_at) }) : formatDate(d.last_at),
    }),
  },
  {
    key: "invoices",
    statuses: ["unpaid", "paid", "void"],
    line: (d) => ({
      title: d.number,
      status: d.status,
      meta: join(formatMoney(d.amount_due, d.currency), d.due_date && t("meta.due", { date: formatDate(d.due_date) })),
      flag: d.payable_with_credit ? t("flag.payable_with_credit") : null,
    }),
  },
  {
    key: "approvals",
    statuses: ["pending", "approved", "rejected"],
    line: (d) => ({ title: d.document_name, status: d.status, meta: t("meta.requested", { date: formatDate(d.requested_at) }) }),
  },
  {
    key: "signatures",
    statuses: ["pending", "signed", "declined"],
    line: (d) => ({ title: d.document_name, status: d.status, meta: t("meta.sent", { date: formatDate(d.sent_at) }) }),
  },
  {
    key: "organizers",
    statuses: ["sent", "in_progress", "completed"],
    line: (d) => ({ title: d.name, status: d.status, meta: t("meta.sent", { date: formatDate(d.sent_at) }) }),
  },
  {
    key: "logins",
    line: (d) => ({ title: d.email, meta: formatDate(d.at) }),
  },
  {
    key: "notes",
    line: (d) => ({ title: d.title, detail: d.excerpt, meta: join(d.author && d.author.name, formatDate(d.at)) }),
  },
  {
    key: "time_entries",
    line: (d) => ({
      title: d.description || t("meta.no_description"),
      meta: join(d.member && d.member.name, formatDate(d.date), formatMinutes(d.minutes)),
      flag: d.billable ? t("flag.billable") : null,
    }),
  },
  {
    key: "proposals",
    statuses: ["draft", "sent", "viewed", "signed", "declined"],
    line: (d) => ({ title: d.name, status: d.status, meta: join(term(d.kind), d.sent_at && t("meta.sent", { date: formatDate(d.sent_at) })) }),
  },
];

export const SECTION = Object.fromEntries(SECTIONS.map((s) => [s.key, s]));
