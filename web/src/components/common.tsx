import type { ComponentChildren } from "preact";
import { formatUtc, timeAgo } from "../lib/time.ts";

const COPY_ICON = (
  <svg viewBox="0 0 16 16" aria-hidden="true">
    <rect
      x="5"
      y="5"
      width="8.5"
      height="8.5"
      rx="1.5"
      fill="none"
      stroke="currentColor"
      stroke-width="1.3"
    />
    <path
      d="M3 10.5V3.5A1 1 0 0 1 4 2.5h6.5"
      fill="none"
      stroke="currentColor"
      stroke-width="1.3"
    />
  </svg>
);

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // The Clipboard API is refused on plain-http origins; fall back to a hidden textarea.
    const ta = document.createElement("textarea");
    ta.value = text;
    ta.setAttribute("readonly", "");
    ta.style.position = "fixed";
    ta.style.opacity = "0";
    document.body.append(ta);
    ta.select();
    const ok = document.execCommand("copy");
    ta.remove();
    return ok;
  }
}

/**
 * A copy button. Stateless on purpose (the "copied" tick is a class on the element):
 * a records page holds a couple of hundred of them, and the first render must stay fast.
 */
export function CopyButton({
  text,
  label,
  tabbable = true,
}: {
  text: string;
  label: string;
  tabbable?: boolean;
}) {
  const copy = async (e: MouseEvent) => {
    e.stopPropagation();
    e.preventDefault();
    const btn = e.currentTarget as HTMLButtonElement;
    const ok = await copyText(text);
    btn.classList.add(ok ? "copied" : "copy-failed");
    btn.title = ok ? "Copied" : "Copy failed";
    setTimeout(() => {
      btn.classList.remove("copied", "copy-failed");
      btn.title = `Copy ${label}`;
    }, 1200);
  };
  return (
    <button
      type="button"
      class="copy"
      onClick={copy}
      aria-label={`Copy ${label}`}
      title={`Copy ${label}`}
      tabIndex={tabbable ? undefined : -1}
    >
      {COPY_ICON}
    </button>
  );
}

export function TimeAgo({ ts, now }: { ts: string | null | undefined; now: number }) {
  if (!ts) return <span class="muted">—</span>;
  return (
    <time dateTime={ts} title={formatUtc(ts)}>
      {timeAgo(ts, now)}
    </time>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <div class="error-box" role="alert">
      <strong>Error</strong> <span class="error-message">{message}</span>
      {onRetry && (
        <button type="button" class="btn small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export function Spinner({ label = "Loading" }: { label?: string }) {
  return (
    <span class="spinner" role="status">
      <span class="visually-hidden">{label}…</span>
    </span>
  );
}

const TYPE_CLASSES: Record<string, string> = {
  A: "t-addr",
  AAAA: "t-addr",
  CNAME: "t-alias",
  ALIAS: "t-alias",
  MX: "t-mail",
  TXT: "t-text",
  SPF: "t-text",
  NS: "t-infra",
  SOA: "t-infra",
  DS: "t-infra",
  CAA: "t-infra",
};

export function TypeBadge({ type }: { type: string }) {
  return <span class={`type-badge ${TYPE_CLASSES[type] ?? "t-other"}`}>{type}</span>;
}

export function ActionBadge({ action }: { action: string }) {
  return <span class={`badge action-${action}`}>{action}</span>;
}

export function SourceBadge({ source }: { source: string }) {
  const title =
    source === "event"
      ? "From a CloudTrail event: seen within seconds of the API call"
      : source === "sweep"
        ? "From a scheduled full sweep of the zone"
        : source === "reconcile"
          ? "Reconciliation: a completed sweep no longer found this record"
          : source;
  return (
    <span class={`badge source-${source}`} title={title}>
      {source}
    </span>
  );
}

/** The CSV export: a plain link carrying the table's filters (`onClick` adds auth when needed). */
export function CsvLink({
  href,
  onClick,
}: {
  href: string;
  onClick?: ((e: MouseEvent) => void) | undefined;
}) {
  return (
    <a
      class="btn"
      href={href}
      download="zonetrail-records.csv"
      data-testid="csv-export"
      onClick={onClick}
    >
      <svg viewBox="0 0 16 16" aria-hidden="true">
        <path
          d="M8 2v8m-3.5-3.5L8 10l3.5-3.5M3 13.5h10"
          fill="none"
          stroke="currentColor"
          stroke-width="1.5"
        />
      </svg>
      Export CSV
    </a>
  );
}

/** Save `text` as a file called `filename` (a download the browser starts at once). */
export function downloadText(filename: string, text: string, type = "application/json"): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** A copy button with its words on it ("Copy JSON"), saying "Copied" for a moment. */
export function CopyTextButton({
  text,
  children,
  label,
}: {
  text: string;
  children: ComponentChildren;
  /** The accessible name, when the words on the button are not enough. */
  label?: string;
}) {
  const copy = async (e: MouseEvent) => {
    const btn = e.currentTarget as HTMLButtonElement;
    const ok = await copyText(text);
    btn.dataset.copied = ok ? "yes" : "failed";
    const status = btn.querySelector(".copy-status");
    if (status) status.textContent = ok ? " ✓ copied" : " (copy failed)";
    setTimeout(() => {
      delete btn.dataset.copied;
      if (status) status.textContent = "";
    }, 1500);
  };
  return (
    <button type="button" class="btn small" onClick={copy} aria-label={label}>
      {children}
      <span class="copy-status" aria-live="polite" />
    </button>
  );
}
