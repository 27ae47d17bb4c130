import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Navigate } from "../hooks.ts";
import { formatCount } from "../lib/format.ts";
import type { AccountView, RecordType } from "../lib/schemas.ts";
import { EMPTY_FILTERS, hasFilters, type RecordFilters } from "../lib/urlState.ts";
import { type ZoneRow, zoneLabelAmong } from "../lib/zones.ts";
import { AccountSelect } from "./Accounts.tsx";

// The `type` filter's choices, keyed by type so that tsc fails when they and the API's
// document differ.
const DOCUMENTED_TYPES: Record<RecordType, true> = {
  A: true,
  AAAA: true,
  CAA: true,
  CNAME: true,
  DS: true,
  HTTPS: true,
  MX: true,
  NAPTR: true,
  NS: true,
  PTR: true,
  SOA: true,
  SPF: true,
  SRV: true,
  SSHFP: true,
  SVCB: true,
  TLSA: true,
  TXT: true,
};
export const RECORD_TYPES = Object.keys(DOCUMENTED_TYPES);

export const SEARCH_DEBOUNCE_MS = 250;

type TextKey = "q" | "name" | "value" | "owner";

/** A text filter that commits to the URL 250 ms after the last keystroke, or on Enter. */
function TextFilter(props: {
  id: string;
  field: TextKey;
  label: string;
  placeholder: string;
  value: string;
  navigate: Navigate;
  inputRef?: RefObject<HTMLInputElement | null>;
  hint?: string;
  wide?: boolean;
}) {
  const { field, value, navigate } = props;
  const [text, setText] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  // Back/Forward and the Clear button change the URL under the input.
  useLayoutEffect(() => setText(value), [value]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const commit = (v: string) => {
    clearTimeout(timer.current);
    navigate({ [field]: v.trim(), record: null }, { field });
  };

  return (
    <div class={`field${props.wide ? " wide" : ""}`}>
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        ref={props.inputRef}
        type="search"
        class="mono"
        value={text}
        placeholder={props.placeholder}
        autocomplete="off"
        spellcheck={false}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
        onInput={(e) => {
          const v = e.currentTarget.value;
          setText(v);
          clearTimeout(timer.current);
          timer.current = setTimeout(() => commit(v), SEARCH_DEBOUNCE_MS);
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter") commit(e.currentTarget.value);
          if (e.key === "Escape" && e.currentTarget.value) {
            e.stopPropagation();
            setText("");
            commit("");
          }
        }}
      />
      {props.hint && (
        <span id={`${props.id}-hint`} class="visually-hidden">
          {props.hint}
        </span>
      )}
    </div>
  );
}

export function FilterBar(props: {
  filters: RecordFilters;
  zones: ZoneRow[];
  accounts: AccountView[];
  byType: Record<string, number>;
  navigate: Navigate;
  searchRef: RefObject<HTMLInputElement | null>;
}) {
  const { filters: f, navigate } = props;
  const types = [
    ...new Set([...RECORD_TYPES, ...Object.keys(props.byType), ...(f.type ? [f.type] : [])]),
  ].sort();
  const zoneKnown = !f.zone || props.zones.some((z) => z.zone_id === f.zone);

  return (
    // biome-ignore lint/a11y/useSemanticElements: <search> is not yet in every browser the dashboard supports; a form with role=search is the landmark they all know
    <form
      class="filters"
      role="search"
      aria-label="Filter records"
      onSubmit={(e) => e.preventDefault()}
    >
      <TextFilter
        id="f-q"
        field="q"
        label="Search names"
        placeholder="substring, e.g. api"
        value={f.q}
        navigate={navigate}
        inputRef={props.searchRef}
        hint="Searches as you type. Press / to focus."
        wide
      />
      <TextFilter
        id="f-name"
        field="name"
        label="Name"
        placeholder="www.example.com or *.prod.example.com"
        value={f.name}
        navigate={navigate}
        hint="An exact name; a prefix ending in *, like api-*; or *.prod.example.com for every name below prod.example.com"
        wide
      />
      <TextFilter
        id="f-value"
        field="value"
        label="Points at"
        placeholder="192.0.2.10 or lb.example.net"
        value={f.value}
        navigate={navigate}
        hint="Records whose value or alias target is this address or host"
      />
      <TextFilter
        id="f-owner"
        field="owner"
        label="Owner"
        placeholder="alice@example.com"
        value={f.owner}
        navigate={navigate}
        hint="Records whose owner is this (the record's own annotation, else its zone's); exact, any case"
      />
      <div class="field">
        <label for="f-type">Type</label>
        <select
          id="f-type"
          value={f.type}
          onChange={(e) => navigate({ type: e.currentTarget.value, record: null })}
        >
          <option value="">All types</option>
          {types.map((t) => (
            <option value={t} key={t}>
              {t}
              {props.byType[t] !== undefined ? ` (${formatCount(props.byType[t])})` : ""}
            </option>
          ))}
        </select>
      </div>
      <AccountSelect
        id="f-account"
        accounts={props.accounts}
        value={f.account}
        onChange={(account) => navigate({ account, zone: "", record: null })}
      />
      <div class="field">
        <label for="f-zone">Zone</label>
        <select
          id="f-zone"
          value={f.zone}
          onChange={(e) => navigate({ zone: e.currentTarget.value, record: null })}
        >
          <option value="">All zones</option>
          {!zoneKnown && <option value={f.zone}>{f.zone}</option>}
          {props.zones.map((z) => (
            <option value={z.zone_id} key={z.zone_id}>
              {zoneLabelAmong(z, props.zones)}
              {z.private_zone ? " (private)" : ""}
              {` · ${formatCount(z.records)}`}
            </option>
          ))}
        </select>
      </div>
      <div class="field check">
        <input
          id="f-deleted"
          type="checkbox"
          checked={f.include_deleted}
          onChange={(e) => navigate({ include_deleted: e.currentTarget.checked, record: null })}
        />
        <label for="f-deleted">Include deleted</label>
      </div>
      <div class="field check">
        <input
          id="f-unowned"
          type="checkbox"
          checked={f.unowned}
          onChange={(e) => navigate({ unowned: e.currentTarget.checked, record: null })}
        />
        <label for="f-unowned" title="No owner or team set, and not managed by external-dns">
          Unowned
        </label>
      </div>
      <div class="filter-actions">
        <button
          type="button"
          class="btn ghost"
          disabled={!hasFilters(f)}
          onClick={() => navigate({ ...EMPTY_FILTERS, as_of: f.as_of, record: null })}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
