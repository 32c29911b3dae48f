/**
 * Console page: every 2 s one `find_all` per section (404 means none) and `/cluster/nodes`; rows are
 * updated in place (a button is never swapped out under the pointer). Transponder, relay and call
 * actions POST to the REST API; a failed call is shown in the page's status line and event log.
 */
import { byId, el, logEvent, setBadge } from "./dom.ts";
import { postJson, RestFailure } from "./rest.ts";
import { BitrateMeter, failureText, formatBitrate, NODE_COLUMN, nodeRows, SECTIONS, StoppedRows, type Column, type Row, type Section } from "./console-view.ts";

const POLL_MS = 2000;
const ui = {
  updated: byId("updated", HTMLSpanElement),
  events: byId("events", HTMLUListElement),
  dtmf: byId("dtmf", HTMLInputElement),
  dtmfType: byId("dtmfType", HTMLSelectElement),
  injectStream: byId("injectStream", HTMLInputElement),
  callForm: byId("callForm", HTMLFormElement),
  nodes: byId("nodes", HTMLElement),
  nodeRows: byId("nodeRows", HTMLTableSectionElement),
};

interface Action {
  readonly name: string;
  readonly label: string;
  readonly request: (row: Row) => { path: string; body: Record<string, unknown> } | string;
}

const ACTIONS: Readonly<Record<Section["id"], readonly Action[]>> = {
  streams: [],
  calls: [
    {
      name: "send_dtmf",
      label: "DTMF",
      request: (r) => (ui.dtmf.value.trim() ? { path: "/rest-api/call/send_dtmf", body: { callId: r.callId, dtmf: ui.dtmf.value.trim(), type: ui.dtmfType.value } } : "enter DTMF digits first"),
    },
    {
      name: "inject_stream",
      label: "Inject",
      request: (r) => (ui.injectStream.value.trim() ? { path: "/rest-api/call/inject_stream", body: { callId: r.callId, streamName: ui.injectStream.value.trim() } } : "enter the stream to inject first"),
    },
    { name: "terminate", label: "Hang up", request: (r) => ({ path: "/rest-api/call/terminate", body: { callId: r.callId } }) },
  ],
  transponders: [{ name: "terminate", label: "Stop", request: (r) => ({ path: "/rest-api/push/terminate", body: { mediaSessionId: r.mediaSessionId } }) }],
  relays: [{ name: "terminate", label: "Stop", request: (r) => ({ path: "/rest-api/pull/terminate", body: { localMediaSessionId: r.localMediaSessionId } }) }],
};

interface SectionState {
  readonly section: Section;
  readonly body: HTMLTableSectionElement;
  readonly head: HTMLTableRowElement;
  readonly stopped: StoppedRows;
  readonly meter: BitrateMeter;
  readonly rows: Map<string, { tr: HTMLTableRowElement; cells: HTMLTableCellElement[] }>;
  columns: readonly Column[];
}

const states = SECTIONS.map((section): SectionState => ({
  section,
  body: byId(`${section.id}Rows`, HTMLTableSectionElement),
  head: byId(`${section.id}Head`, HTMLTableRowElement),
  stopped: new StoppedRows(section.keepStoppedMs),
  meter: new BitrateMeter(),
  rows: new Map(),
  columns: section.columns,
}));

let timer: ReturnType<typeof setTimeout> | undefined;

/** A job that is over: greyed, without buttons (a finished call can take no DTMF). */
const isStopped = (row: Row) => row.status === "STOPPED" || row.state === "STOPPED" || row.status === "FINISH";

async function act(action: Action, section: Section, row: Row, button: HTMLButtonElement): Promise<void> {
  const request = action.request(row);
  if (typeof request === "string") return void logEvent(ui.events, request, "error");
  button.disabled = true;
  try {
    await postJson(request.path, request.body);
    logEvent(ui.events, `${action.label}: ${section.key(row)}`, "ok");
  } catch (err) {
    logEvent(ui.events, `${action.label} ${section.key(row)} failed: ${describe(err)}`, "error");
  } finally {
    button.disabled = false;
    refreshSoon(0);
  }
}

function describe(err: unknown): string {
  if (err instanceof RestFailure) return failureText(err.status, err.message);
  return err instanceof Error ? err.message : String(err);
}

function setHead(state: SectionState, columns: readonly Column[]): void {
  state.columns = columns;
  const actions = ACTIONS[state.section.id].length ? [""] : [];
  state.head.replaceChildren(...[...columns.map((c) => c.label), ...actions].map((label) => el("th", label)));
  for (const { tr } of state.rows.values()) tr.remove();
  state.rows.clear();
}

function newRow(state: SectionState, key: string, row: Row): { tr: HTMLTableRowElement; cells: HTMLTableCellElement[] } {
  const tr = el("tr");
  tr.dataset.id = key;
  const cells = state.columns.map((column) => {
    const td = el("td", "", column.mono ? "mono" : "");
    td.dataset.label = column.label;
    if (column.badge) td.append(el("span", "", "badge"));
    tr.append(td);
    return td;
  });
  const actions = ACTIONS[state.section.id];
  if (actions.length) {
    const td = el("td", "", "actions");
    for (const action of actions) {
      const button = el("button", action.label, action.name === "terminate" ? "small danger" : "small");
      button.type = "button";
      button.dataset.action = action.name;
      button.addEventListener("click", () => void act(action, state.section, rowData.get(tr) ?? row, button));
      td.append(button);
    }
    tr.append(td);
  }
  return { tr, cells };
}

/** Sets a cell's text; an id or URL may break after `/`, `?`, `&`, `-` and `_` first (a <wbr> there), anywhere only if it must. */
function setText(td: HTMLElement, text: string, breakable: boolean): void {
  if (!breakable) return void (td.textContent = text);
  const parts = text.split(/(?<=[/?&_-])/);
  td.replaceChildren(...parts.flatMap((part, i) => (i === 0 ? [part] : [el("wbr"), part])));
}

/** The latest data of each row element, for its buttons. */
const rowData = new WeakMap<HTMLTableRowElement, Row>();

function render(state: SectionState, list: readonly Row[], clustered: boolean, now: number): void {
  const columns = clustered ? [...state.section.columns, NODE_COLUMN] : state.section.columns;
  if (columns.length !== state.columns.length) setHead(state, columns);
  const shown = state.stopped.update(list, state.section.key, now);
  const keys = new Set<string>();
  for (const row of shown) {
    const key = state.section.key(row);
    keys.add(key);
    let entry = state.rows.get(key);
    if (!entry) {
      entry = newRow(state, key, row);
      state.rows.set(key, entry);
    }
    rowData.set(entry.tr, row);
    const field = state.section.bytesField;
    const bps = field && !isStopped(row) ? state.meter.sample(key, typeof row[field] === "number" ? (row[field] as number) : 0, now) : 0;
    entry.tr.classList.toggle("stopped", isStopped(row));
    state.columns.forEach((column, i) => {
      const td = entry.cells[i]!;
      const text = column.text(row, formatBitrate(bps));
      if (column.badge) setBadge(td.firstElementChild as HTMLElement, text);
      else if (td.textContent !== text) setText(td, text, column.mono === true);
      if (column.mono) td.title = text;
    });
    entry.tr.querySelectorAll("button").forEach((button) => void (button.hidden = isStopped(row)));
    state.body.append(entry.tr);
  }
  for (const [key, { tr }] of state.rows) {
    if (keys.has(key)) continue;
    tr.remove();
    state.rows.delete(key);
  }
  state.meter.forget(keys);
  const empty = state.body.querySelector("tr.none");
  if (shown.length === 0 && !empty) {
    const tr = el("tr", "", "none");
    const td = el("td", `No ${state.section.id}`, "empty");
    td.colSpan = 12;
    tr.append(td);
    state.body.replaceChildren(tr);
  } else if (shown.length > 0) empty?.remove();
}

/** A list route's rows; 404 is an empty list. */
async function list(path: string): Promise<Row[]> {
  try {
    const answer = await postJson(path, {});
    return Array.isArray(answer) ? answer.filter((r): r is Row => typeof r === "object" && r !== null) : [];
  } catch (err) {
    if (err instanceof RestFailure && err.status === 404) return [];
    throw err;
  }
}

async function clusterStatus(): Promise<unknown> {
  try {
    return await postJson("/rest-api/cluster/nodes", {});
  } catch {
    return undefined; // not clustered
  }
}

function renderNodes(status: unknown, lists: Record<string, readonly Row[]>): boolean {
  const nodes = nodeRows(status, lists);
  ui.nodes.hidden = nodes.length === 0;
  ui.nodeRows.replaceChildren(
    ...nodes.map((n) => {
      const tr = el("tr");
      tr.dataset.id = n.id;
      for (const [label, text, mono] of [["Node", n.id, true], ["Address", n.address, true], ["Streams and jobs", n.counts, false]] as const) {
        const td = el("td", text, mono ? "mono" : "");
        td.dataset.label = label;
        tr.append(td);
      }
      return tr;
    }),
  );
  return nodes.length > 0;
}

async function refresh(): Promise<void> {
  try {
    const [status, ...lists] = await Promise.all([clusterStatus(), ...states.map((s) => list(s.section.path))]);
    const byId = Object.fromEntries(states.map((s, i) => [s.section.id, lists[i]!]));
    const clustered = renderNodes(status, byId);
    const now = Date.now();
    states.forEach((state, i) => render(state, lists[i]!, clustered, now));
    ui.updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    ui.updated.className = "detail";
  } catch (err) {
    ui.updated.textContent = `update failed: ${describe(err)}`;
    ui.updated.className = "detail error";
  }
}

function refreshSoon(delay = POLL_MS): void {
  if (timer !== undefined) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = undefined;
    void refresh().finally(() => {
      if (timer === undefined) refreshSoon();
    });
  }, delay);
}

/** Sends a form's filled-in fields as the JSON body of `path(body)`; the outcome goes to the event log. */
function submitForm(form: HTMLFormElement, path: (body: Record<string, unknown>) => string, what: (body: Record<string, unknown>) => string): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    new FormData(form).forEach((value, name) => void (typeof value === "string" && value.trim() && (body[name] = value.trim())));
    const submit = form.querySelector("button");
    if (submit) submit.disabled = true;
    postJson(path(body), body)
      .then(() => logEvent(ui.events, `${what(body)} started`, "ok"))
      .catch((err: unknown) => logEvent(ui.events, `${what(body)} failed: ${describe(err)}`, "error"))
      .finally(() => {
        if (submit) submit.disabled = false;
        refreshSoon(0);
      });
  });
}

submitForm(ui.callForm, () => "/rest-api/call/startup", (body) => `call to ${String(body.callee)}`);
submitForm(
  byId("relayForm", HTMLFormElement),
  (body) => {
    const direction = body.direction === "push" ? "push" : "pull";
    delete body.direction;
    return `/rest-api/pull/${direction}`;
  },
  (body) => `relay ${String(body.uri)}`,
);

for (const state of states) setHead(state, state.section.columns);
refreshSoon(0);
