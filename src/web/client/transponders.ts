/**
 * Transponders page: polls `/rest-api/push/find_all` every 2 s (404 means none) and keeps a table
 * row per transponder, updated in place so a button is never swapped out under the pointer.
 */
import { byId, el, logEvent, setBadge } from "./dom.ts";
import { findTransponders, postJson, type TransponderView } from "./rest.ts";
import { actionRequest, cellText, COLUMNS, rowActions, type RowAction } from "./transponder-table.ts";

const POLL_MS = 2000;
const ui = {
  rows: byId("rows", HTMLTableSectionElement),
  soundFile: byId("soundFile", HTMLInputElement),
  soundLoop: byId("soundLoop", HTMLInputElement),
  updated: byId("updated", HTMLSpanElement),
  events: byId("events", HTMLUListElement),
};

interface Row {
  readonly tr: HTMLTableRowElement;
  readonly cells: Map<string, HTMLTableCellElement>;
  readonly actions: HTMLTableCellElement;
  shownActions: string;
}
const rows = new Map<string, Row>();
let emptyRow: HTMLTableRowElement | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

async function act(action: RowAction, t: TransponderView, button: HTMLButtonElement): Promise<void> {
  const soundFile = ui.soundFile.value.trim();
  if (action === "sound_on" && !soundFile) return void logEvent(ui.events, "enter a sound file name", "error");
  const request = actionRequest(action, t.mediaSessionId, { soundFile, loop: ui.soundLoop.checked });
  button.disabled = true;
  try {
    await postJson(request.path, request.body);
    logEvent(ui.events, `${action} ${t.streamName} (${t.mediaSessionId})`, "ok");
  } catch (err) {
    logEvent(ui.events, `${action} ${t.streamName} failed: ${err instanceof Error ? err.message : String(err)}`, "error");
  } finally {
    button.disabled = false;
    refreshSoon(0);
  }
}

function newRow(t: TransponderView): Row {
  const tr = el("tr");
  tr.dataset.id = t.mediaSessionId;
  const cells = new Map<string, HTMLTableCellElement>();
  for (const column of COLUMNS) {
    const td = el("td", "", column === "mediaSessionId" || column === "rtmpUrl" ? "mono" : "");
    td.dataset.column = column;
    if (column === "status") td.append(el("span", "", "badge"));
    cells.set(column, td);
    tr.append(td);
  }
  const actions = el("td", "", "actions");
  tr.append(actions);
  return { tr, cells, actions, shownActions: "" };
}

function updateRow(row: Row, t: TransponderView): void {
  for (const column of COLUMNS) {
    const td = row.cells.get(column)!;
    if (column === "status") setBadge(td.firstElementChild as HTMLElement, t.status);
    else if (td.textContent !== cellText(t, column)) td.textContent = cellText(t, column);
  }
  const wanted = rowActions(t);
  const key = wanted.map((a) => a.action).join(",");
  if (key === row.shownActions) return;
  row.shownActions = key;
  row.actions.replaceChildren(
    ...wanted.map(({ action, label }) => {
      const button = el("button", label, action === "terminate" ? "small danger" : "small");
      button.type = "button";
      button.dataset.action = action;
      button.addEventListener("click", () => void act(action, t, button));
      return button;
    }),
  );
}

function render(list: TransponderView[]): void {
  const seen = new Set<string>();
  for (const t of list) {
    seen.add(t.mediaSessionId);
    let row = rows.get(t.mediaSessionId);
    if (!row) {
      row = newRow(t);
      rows.set(t.mediaSessionId, row);
    }
    updateRow(row, t);
    ui.rows.append(row.tr);
  }
  for (const [id, row] of rows) {
    if (seen.has(id)) continue;
    row.tr.remove();
    rows.delete(id);
  }
  if (list.length === 0) {
    emptyRow ??= Object.assign(el("tr"), { innerHTML: '<td colspan="9" class="empty">No transponders</td>' });
    ui.rows.replaceChildren(emptyRow);
  } else {
    for (const child of Array.from(ui.rows.children)) if (!(child instanceof HTMLElement) || !child.dataset.id) child.remove();
  }
}

async function refresh(): Promise<void> {
  try {
    render(await findTransponders());
    ui.updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    ui.updated.textContent = `update failed: ${err instanceof Error ? err.message : String(err)}`;
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

refreshSoon(0);
