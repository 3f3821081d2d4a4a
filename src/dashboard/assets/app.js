// The dashboard's page: plain DOM, no framework. Every text that comes from a backup (names,
// reasons, labels) goes into the page as text (textContent), never as markup.

const token = document.querySelector('meta[name="neo4j-backup-token"]')?.getAttribute("content") ?? "";
const $ = (id) => document.getElementById(id);

const state = {
  database: "",
  readOnly: true,
  following: null,
  /** The id of the job this page follows. */
  followingId: null,
  current: null,
  jobRunning: false,
  /** The backups as last read, and how the table shows them. */
  backups: [],
  sort: { key: "created", descending: true },
  filter: { text: "", kind: "" },
  /** The result of the last job on a backup, shown under its row. */
  rowResults: new Map(),
};

/** An element with properties (`class`, `text`, attributes) and children (nodes or text). */
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Calls the dashboard's API; changes carry the token in a header. */
async function api(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-Neo4j-Backup-Token"] = token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(data.error?.message ?? `${response.status} ${response.statusText}`);
    error.code = data.error?.code;
    throw error;
  }
  return data;
}

function showMessage(text, code) {
  const box = $("message");
  box.textContent = text ?? "";
  box.dataset.code = code ?? "";
  box.hidden = !text;
}

// ---- formatting

const count = (n) => (typeof n === "number" ? n.toLocaleString("en-US") : "–");
const signed = (n) => `${n > 0 ? "+" : ""}${count(n)}`;
const percent = (p) => (typeof p === "number" ? `${p.toFixed(1)} %` : "–");

/** Bytes as the CLI writes them: powers of 1000, `B`, `kB`, `MB`, `GB`, `TB`, one decimal. */
function bytes(n) {
  if (typeof n !== "number") return "–";
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = n / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function age(ms) {
  if (typeof ms !== "number") return "";
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hours = Math.round(m / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** A time as the CLI writes it: `2025-01-28 14:30:22 UTC`. */
const instant = (iso) =>
  iso && !Number.isNaN(Date.parse(iso))
    ? `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC`
    : "–";
const ageOf = (iso) => age(Date.now() - Date.parse(iso));

// ---- status

function block(title, ...lines) {
  return h("div", {}, h("h3", { text: title }), ...lines.filter(Boolean).map((line) => h("p", {}, line)));
}

/** What the database holds now, or why that is not known. */
function databaseNow(s) {
  if (!s.databaseUp) {
    return block(
      "Database now",
      h("strong", { class: "bad", id: "database-down", text: "Cannot be reached" }),
      s.databaseProblem,
      "Backups can still be listed, validated and downloaded; this part fills in when the server answers.",
    );
  }
  return block(
    "Database now",
    `${count(s.current.nodes)} nodes`,
    `${count(s.current.relationships)} relationships`,
  );
}

/** The changes since the last backup and the recommendation (none while the database cannot be reached). */
function databaseChanges(s) {
  if (!s.databaseUp) return [];
  const { baseline, changes } = s.recommendation;
  return [
    baseline && changes
      ? block(
          baseline.source === "restore" ? "Changes since the last restore" : "Changes since the last backup",
          // a file name as it is written (the headings are set in capitals)
          h("span", { class: "mono", id: "baseline", text: baseline.name }),
          `Nodes ${signed(changes.nodes)} (${percent(changes.nodesPercent)})`,
          `Relationships ${signed(changes.relationships)} (${percent(changes.relationshipsPercent)})`,
        )
      : block("Changes", "no backup to compare with"),
    block(
      "Recommendation",
      h("strong", {
        class: s.recommendation.backup ? "warn" : "ok",
        id: "recommendation",
        text: s.recommendation.backup ? "Backup recommended" : "No backup needed",
      }),
      s.recommendation.reason,
    ),
  ];
}

function renderStatus(s) {
  state.database = s.database;
  state.readOnly = s.readOnly;
  state.databaseUp = s.databaseUp;
  state.current = s.databaseUp ? s.current : null;
  document.body.classList.toggle("writable", !s.readOnly);
  document.body.classList.toggle("database-down", !s.databaseUp);
  $("read-only-badge").hidden = !s.readOnly;
  // the server as the database's identity records it (prod and staging tell apart at a glance)
  const server = s.identity?.address ? ` on ${s.identity.address}` : "";
  $("target").textContent = `database ${s.database ?? "(home)"}${server} · backups in ${s.location}`;
  $("version").textContent = `neo4j-backup ${s.version}`;
  renderHealthBanner(s.health);
  const last = s.lastBackup;
  const health = s.health;
  const body = h(
    "div",
    { class: "grid" },
    databaseNow(s),
    block(
      "Last backup",
      last ? h("span", { class: "mono", text: last.name }) : "none",
      last && `${instant(last.created)} (${ageOf(last.created)})`,
      last && `${count(last.nodeCount)} nodes, ${count(last.relationshipCount)} relationships`,
    ),
    ...databaseChanges(s),
    block(
      "Health",
      h("strong", {
        class: health.healthy ? "ok" : "bad",
        id: "health",
        text: health.healthy
          ? "OK"
          : `${health.problems.length} problem${health.problems.length === 1 ? "" : "s"}`,
      }),
      ...health.problems.map((p) => `• ${p}`),
      `Newest backup allowed up to ${count(health.maxAgeDays)} days old`,
    ),
    s.snapshots &&
      block(
        "Snapshots",
        h("span", {
          id: "snapshot-use",
          text: `${count(s.snapshots.snapshots)} snapshot${s.snapshots.snapshots === 1 ? "" : "s"}`,
        }),
        `${bytes(s.snapshots.logicalBytes)} of backups`,
        s.snapshots.storedBytes === null
          ? "stored size unknown"
          : `stored in ${bytes(s.snapshots.storedBytes)} (${s.snapshots.deduplicationRatio.toFixed(1)}× deduplication)`,
      ),
    block(
      "Storage",
      h("span", {
        id: "storage-use",
        text: `${s.storage.bytes === null ? "size unknown" : bytes(s.storage.bytes)} in ${count(s.storage.backups)} backup${s.storage.backups === 1 ? "" : "s"}`,
      }),
      s.readOnly
        ? "This page creates no backups"
        : s.retention.keep === null || s.retention.keep > 1e9
          ? `Backups made here: all of ${s.retention.prefix} are kept`
          : `Backups made here keep the newest ${count(s.retention.keep)} of ${s.retention.prefix}`,
    ),
    s.nextScheduledRun &&
      block("Next scheduled backup", h("span", { id: "next-run", text: `${instant(s.nextScheduledRun)}` })),
  );
  // unfinished restores: into this database (a health problem) and into others sharing the storage
  for (const notice of [...health.notices].reverse()) {
    body.prepend(h("p", { class: "warn", text: `Another database: ${notice}` }));
  }
  if (health.pendingRestore) {
    body.prepend(
      h("p", {
        class: "warn",
        id: "unfinished-restore",
        text: `Unfinished restore into this database: ${health.pendingRestore.name} did not finish. Run \`neo4j-backup recover\` against this database to finish it.`,
      }),
    );
  }
  const target = $("status-body");
  target.replaceChildren(body);
  target.setAttribute("aria-busy", "false");
}

/** Health first: a banner with the verdict and the first reason. */
function renderHealthBanner(health) {
  const banner = $("health-banner");
  banner.hidden = false;
  banner.className = health.healthy ? "banner ok" : "banner bad";
  const more = health.problems.length > 1 ? ` (and ${health.problems.length - 1} more below)` : "";
  banner.textContent = health.healthy
    ? "Backups healthy"
    : `Backups need attention: ${health.problems[0]}${more}`;
}

async function loadStatus() {
  try {
    renderStatus(await api("/api/status"));
  } catch (error) {
    $("status-body").textContent = `The status could not be read: ${error.message}`;
  }
}

/**
 * The live status: the server sends the status and the backups at once and whenever they change
 * (server-sent events); the browser reconnects by itself when the connection drops.
 */
function followStatus() {
  const events = new EventSource("/api/status/events");
  events.addEventListener("status", (event) => {
    const { status, backups, runningJob } = JSON.parse(event.data);
    renderStatus(status);
    renderBackups(backups);
    // a job started from another page (or before this one opened): followed here too
    if (runningJob && runningJob !== state.followingId) void followById(runningJob);
    $("live").textContent = `live · updated ${instant(new Date().toISOString())}`;
  });
  events.addEventListener("status-error", (event) => {
    const error = JSON.parse(event.data);
    $("live").textContent = `live · the status could not be read: ${error.message}`;
  });
  events.addEventListener("error", () => {
    $("live").textContent = "reconnecting…";
  });
}

// ---- backups

function validity(entry) {
  if (entry.valid === true) return h("span", { class: "ok", text: "✓" });
  if (entry.valid === false) return h("span", { class: "bad", text: "✗ invalid" });
  return h("span", { class: "warn", text: "? encrypted", title: "no key given opens it" });
}

const path = (name, action = "") => `/api/backups/${encodeURIComponent(name)}${action}`;

/** What a backup is: its kind (a snapshot says so), and its series. */
function kindOf(entry) {
  const kind = entry.snapshot
    ? `${entry.kind === "backup" ? "snapshot" : `${entry.kind} snapshot`}`
    : entry.kind;
  const described = entry.series ? `${kind} · ${entry.series}` : kind;
  return entry.pinned ? `${described} · pinned` : described;
}

/** The values the table sorts by. */
const SORT_KEYS = {
  name: (e) => e.name,
  created: (e) => e.created,
  nodes: (e) => e.nodeCount,
  size: (e) => e.snapshot?.logicalBytes ?? e.size,
  kind: (e) => kindOf(e),
};

/** The backups the filter lets through, in the chosen order. */
function shownBackups() {
  const { text, kind } = state.filter;
  const needle = text.trim().toLowerCase();
  const key = SORT_KEYS[state.sort.key];
  return state.backups
    .filter((e) => !kind || (kind === "snapshot" ? !!e.snapshot : e.kind === kind))
    .filter(
      (e) =>
        !needle ||
        [e.name, e.reason, e.series ?? "", e.database ?? ""].some((v) => v.toLowerCase().includes(needle)),
    )
    .sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      const order = x < y ? -1 : x > y ? 1 : 0;
      return state.sort.descending ? -order : order;
    });
}

function backupRow(entry) {
  const name = entry.name;
  return h(
    "tr",
    { "data-name": name },
    h("td", { class: "name", text: name }),
    h("td", { class: "kind", text: kindOf(entry) }),
    h("td", { title: instant(entry.created) }, ageOf(entry.created)),
    h("td", { class: "num", text: count(entry.nodeCount) }),
    h("td", { class: "num", text: count(entry.relationshipCount) }),
    entry.snapshot
      ? h("td", {
          class: "num",
          text: bytes(entry.snapshot.logicalBytes),
          title: `snapshot: ${bytes(entry.snapshot.storedBytes)} in ${count(entry.snapshot.chunks)} chunks; it added ${bytes(entry.snapshot.addedBytes)}`,
        })
      : h("td", { class: "num", text: bytes(entry.size) }),
    h("td", {}, validity(entry)),
    h("td", { text: entry.reason }),
    h(
      "td",
      { class: "actions" },
      h("button", { type: "button", onclick: () => showDetails(name), text: "Details" }),
      " ",
      h("button", {
        type: "button",
        class: "job-action",
        onclick: () => run(path(name, "/validate")),
        text: "Validate",
      }),
      " ",
      h("button", {
        type: "button",
        class: "needs-database job-action",
        onclick: () => run(path(name, "/verify")),
        text: "Verify",
      }),
      " ",
      // a backup that does not validate is not offered for restore (the server refuses it too)
      entry.valid !== false &&
        h("button", {
          type: "button",
          class: "writes needs-database job-action",
          onclick: () => openRestore(entry),
          text: "Restore",
        }),
      " ",
      h("a", { class: "button", href: path(name, "/download"), download: name, text: "Download" }),
      " ",
      h("button", {
        type: "button",
        class: "writes job-action",
        title: entry.pinned ? "Retention may remove it again" : "Retention never removes a pinned backup",
        onclick: () => setPinned(entry.name, !entry.pinned),
        text: entry.pinned ? "Unpin" : "Pin",
      }),
      // a pinned backup is unpinned before it can be deleted
      !entry.pinned && " ",
      !entry.pinned &&
        h("button", {
          type: "button",
          class: "writes job-action",
          onclick: () => openDelete(entry),
          text: "Delete",
        }),
    ),
  );
}

/** The row under a backup's row with the result of the last job on it. */
function resultRow(name) {
  const lines = state.rowResults.get(name);
  if (!lines) return null;
  return h(
    "tr",
    { class: "row-result", "data-for": name },
    h("td", { colspan: "9" }, ...lines.filter(Boolean).map((line) => h("p", {}, line))),
  );
}

// ---- charts

/** The charts drawn, to resize with the page. */
const charts = [];

/** A chart of `series` (label, colour, scale, values) over `times` (Unix seconds) into `target`. */
function drawChart(target, times, series) {
  const width = Math.max(280, $(target).clientWidth);
  const scales = [...new Set(series.map((s) => s.scale))];
  const options = {
    width,
    height: 200,
    // times in UTC, as everywhere on the page
    tzDate: (ts) => window.uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    series: [
      {},
      ...series.map((s) => ({
        label: s.label,
        stroke: s.color,
        width: 2,
        scale: s.scale,
        points: { show: true },
      })),
    ],
    axes: [
      {},
      // room for the widest tick label (125,000) beside the axis's name
      ...scales.map((scale, i) => ({
        scale,
        side: i === 0 ? 3 : 1,
        label: scale,
        size: 64,
        grid: { show: i === 0 },
      })),
    ],
  };
  const chart = new window.uPlot(options, [times, ...series.map((s) => s.values)], $(target));
  charts.push({ chart, target });
}

/** Size, duration and counts of the backups the jobs took, oldest first. */
function renderCharts(backups) {
  const taken = backups
    .filter((e) => e.kind === "backup" || e.kind === "pre-upgrade")
    .sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : 0));
  const section = $("charts");
  section.hidden = taken.length < 2 || typeof window.uPlot !== "function";
  for (const { chart } of charts.splice(0)) chart.destroy();
  if (section.hidden) return;
  const times = taken.map((e) => Date.parse(e.created) / 1000);
  drawChart("chart-size", times, [
    {
      label: "Size (MB)",
      color: "#0b6bcb",
      scale: "MB",
      values: taken.map((e) => (e.snapshot?.logicalBytes ?? e.size) / 1e6),
    },
    {
      label: "Duration (s)",
      color: "#9a6700",
      scale: "s",
      values: taken.map((e) => (typeof e.durationMs === "number" ? e.durationMs / 1000 : null)),
    },
  ]);
  drawChart("chart-counts", times, [
    { label: "Nodes", color: "#1a7f37", scale: "count", values: taken.map((e) => e.nodeCount) },
    {
      label: "Relationships",
      color: "#8250df",
      scale: "count",
      values: taken.map((e) => e.relationshipCount),
    },
  ]);
}

window.addEventListener("resize", () => {
  for (const { chart, target } of charts)
    chart.setSize({ width: Math.max(280, $(target).clientWidth), height: 200 });
});

function renderBackups(backups) {
  if (backups) {
    state.backups = backups;
    renderCharts(backups);
  }
  const shown = shownBackups();
  $("backup-rows").replaceChildren(
    ...shown.flatMap((entry) => [backupRow(entry), resultRow(entry.name)].filter(Boolean)),
  );
  $("no-backups").hidden = state.backups.length > 0;
  $("backup-count").textContent =
    shown.length === state.backups.length ? `${shown.length}` : `${shown.length} of ${state.backups.length}`;
  setJobRunning(state.jobRunning);
  for (const th of document.querySelectorAll("th[data-sort]")) {
    const active = th.dataset.sort === state.sort.key;
    th.setAttribute("aria-sort", active ? (state.sort.descending ? "descending" : "ascending") : "none");
  }
}

async function loadBackups() {
  try {
    const { backups } = await api("/api/backups");
    renderBackups(backups);
  } catch (error) {
    showMessage(`The backups could not be listed: ${error.message}`);
  }
}

function wireBackupTable() {
  for (const th of document.querySelectorAll("th[data-sort]")) {
    const button = th.querySelector("button");
    button.addEventListener("click", () => {
      const key = th.dataset.sort;
      state.sort =
        state.sort.key === key
          ? { key, descending: !state.sort.descending }
          : { key, descending: key !== "name" };
      renderBackups();
    });
  }
  $("filter-text").addEventListener("input", (event) => {
    state.filter.text = event.target.value;
    renderBackups();
  });
  $("filter-kind").addEventListener("change", (event) => {
    state.filter.kind = event.target.value;
    renderBackups();
  });
}

// ---- history

async function loadHistory() {
  try {
    const { events } = await api("/api/history");
    $("history-rows").replaceChildren(
      ...events.map((e) =>
        h(
          "li",
          { class: e.failed ? "bad" : "", "data-kind": e.kind },
          h("time", { datetime: e.at, text: instant(e.at) }),
          " ",
          e.name ? h("span", { class: "mono", text: e.name }) : "",
          e.name ? " — " : "",
          e.text,
        ),
      ),
    );
    $("no-history").hidden = events.length > 0;
  } catch (error) {
    showMessage(`The history could not be read: ${error.message}`);
  }
}

async function showDetails(name) {
  try {
    const { backup: b, restores } = await api(path(name));
    const rows = [
      ["Name", b.name],
      ["Kind", b.kind],
      ["Created", `${instant(b.created)} (${ageOf(b.created)})`],
      ["Reason", b.reason],
      ["Database", b.database ?? "–"],
      ["Nodes", count(b.nodeCount)],
      ["Relationships", count(b.relationshipCount)],
      ...(b.snapshot
        ? [
            ["Kind of file", "snapshot (a manifest and shared chunks)"],
            ["Size", `${bytes(b.snapshot.logicalBytes)} (the document)`],
            ["Stored", `${bytes(b.snapshot.storedBytes)} in ${count(b.snapshot.chunks)} chunks`],
            [
              "Added",
              `${bytes(b.snapshot.addedBytes)} in ${count(b.snapshot.addedChunks)} new chunks when it was made`,
            ],
          ]
        : [["Size", bytes(b.size)]]),
      ["Compression", b.compression],
      ["Encrypted", b.encrypted ? "yes (age)" : "no"],
      ["Valid", b.valid === null ? "unknown (no key)" : b.valid ? "yes" : "no"],
      ["Checksum", b.checksum ?? "–"],
      ["Server", b.server ? `Neo4j ${b.server.version} ${b.server.edition}` : "–"],
      ["Format version", b.formatVersion ?? "–"],
      ["Duration", typeof b.durationMs === "number" ? `${(b.durationMs / 1000).toFixed(1)} s` : "–"],
      ["Changed while read", b.changedDuringBackup === null ? "–" : b.changedDuringBackup ? "yes" : "no"],
      [
        "Restored",
        restores.length ? restores.map((r) => `${instant(r.restoredAt)} (${r.mode})`).join(", ") : "never",
      ],
    ];
    $("details-title").textContent = `Backup ${b.name}`;
    $("details-body").replaceChildren(
      ...rows.flatMap(([k, v]) => [h("dt", { text: k }), h("dd", { text: v })]),
    );
    $("details").hidden = false;
    for (const row of $("backup-rows").children) row.classList.toggle("selected", row.dataset.name === name);
  } catch (error) {
    showMessage(error.message);
  }
}

// ---- jobs

const TITLES = { create: "Backup", restore: "Restore", validate: "Validation", verify: "Verification" };
const PHASES = {
  validating: "Validating the file",
  "safety-backup": "Taking a safety backup of the current contents",
  clearing: "Clearing the database",
  schema: "Schema",
  nodes: "Nodes",
  relationships: "Relationships",
  publishing: "Publishing",
  verifying: "Verifying the database against the file",
  "rolling-back": "Rolling back: putting the previous contents back",
  done: "Done",
};

/** Phases whose work is not counted in nodes and relationships: their bar runs without a value. */
const UNCOUNTED = new Set(["safety-backup", "clearing", "schema", "publishing", "rolling-back"]);

function progressText(p) {
  if (!p) return "";
  if (UNCOUNTED.has(p.phase)) return `${PHASES[p.phase] ?? p.phase}…`;
  const phase = p.phase ? `${PHASES[p.phase] ?? p.phase}: ` : "";
  const totals = p.totalNodes || p.totalRelationships;
  const nodes = totals ? `${count(p.nodes)} / ${count(p.totalNodes)}` : count(p.nodes);
  const rels = totals ? `${count(p.relationships)} / ${count(p.totalRelationships)}` : count(p.relationships);
  return `${phase}${nodes} nodes, ${rels} relationships`;
}

function resultLines(job) {
  const r = job.result;
  if (job.state === "failed")
    return [h("p", { class: "bad", text: `${job.error.code}: ${job.error.message}` })];
  if (job.state !== "succeeded" || !r) return [];
  switch (job.kind) {
    case "create":
      return [
        `Created ${r.name}: ${count(r.nodeCount)} nodes, ${count(r.relationshipCount)} relationships, ${bytes(r.bytes)}.`,
      ];
    case "restore":
      return [
        `Restored ${r.name}: ${count(r.nodeCount)} nodes, ${count(r.relationshipCount)} relationships in ${(r.durationMs / 1000).toFixed(1)} s.`,
        r.verification &&
          (r.verification.equal
            ? "Verified: counts, schema and content match the file."
            : "Verification found differences."),
        r.safetyBackup && `Safety backup of the previous contents: ${r.safetyBackup}.`,
      ];
    case "validate":
      return r.valid
        ? [`Valid: ${count(r.nodeCount)} nodes, ${count(r.relationshipCount)} relationships.`]
        : [h("span", { class: "bad", text: "Invalid:" }), ...r.problems.map((p) => `• ${p.message}`)];
    case "verify":
      return r.equal
        ? ["The database matches the backup: counts, schema and content fingerprint are equal."]
        : [
            h("span", { class: "bad", text: "The database differs from the backup:" }),
            ...r.differences.map((d) => `• ${d}`),
          ];
    default:
      return [];
  }
}

function renderJob(job) {
  $("job").hidden = false;
  $("job").dataset.state = job.state;
  $("job-what").textContent = `${TITLES[job.kind] ?? job.kind}${job.backup ? ` of ${job.backup}` : ""}`;
  const stateText = { running: "running", succeeded: "succeeded", failed: "failed" }[job.state];
  $("job-state").textContent = stateText;
  $("job-state").className = job.state === "failed" ? "bad" : job.state === "succeeded" ? "ok" : "";
  $("job-phase").textContent = progressText(job.progress);
  const bar = $("job-progress");
  const p = job.progress;
  const total = p ? (p.totalNodes ?? 0) + (p.totalRelationships ?? 0) : 0;
  if (job.state !== "running") bar.value = 1;
  else if (total > 0 && !UNCOUNTED.has(p?.phase))
    bar.value = Math.min(1, (p.nodes + p.relationships) / total);
  else bar.removeAttribute("value");
  setJobRunning(job.state === "running");
  $("job-result").replaceChildren(
    ...resultLines(job)
      .filter(Boolean)
      .map((line) => h("p", {}, line)),
  );
}

/** While a job runs, the buttons that start one are disabled (the server allows one at a time). */
function setJobRunning(running) {
  state.jobRunning = running;
  for (const button of document.querySelectorAll(".job-action")) button.disabled = running;
  // a "busy" message from before the job ended is no longer true
  if (!running && $("message").dataset.code === "BUSY") showMessage("");
}

/** Follows a job's progress (server-sent events) until it ends; then reloads status and backups. */
function follow(job) {
  state.following?.close();
  renderJob(job);
  if (job.state !== "running") return;
  const events = new EventSource(`/api/jobs/${encodeURIComponent(job.id)}/events`);
  state.following = events;
  state.followingId = job.id;
  events.addEventListener("job", (event) => {
    const current = JSON.parse(event.data);
    renderJob(current);
    if (current.state !== "running") {
      events.close();
      state.following = null;
      if (current.backup) {
        state.rowResults.set(current.backup, [
          h("strong", { text: `${TITLES[current.kind] ?? current.kind} ${current.state}` }),
          ...resultLines(current),
        ]);
      }
      void refresh();
    }
  });
}

async function followById(id) {
  try {
    follow(await api(`/api/jobs/${encodeURIComponent(id)}`));
  } catch (error) {
    showMessage(error.message, error.code);
  }
}

async function run(url, body) {
  showMessage("");
  try {
    follow(await api(url, { method: "POST", body: body ?? {} }));
  } catch (error) {
    showMessage(error.message, error.code);
  }
}

// ---- restore

function openRestore(entry) {
  const dialog = $("restore-dialog");
  dialog.dataset.name = entry.name;
  $("restore-summary").textContent =
    `Restore ${entry.name} (${count(entry.nodeCount)} nodes, ${count(entry.relationshipCount)} relationships, taken ${ageOf(entry.created)}) into database ${state.database}.`;
  $("restore-database").textContent = state.database;
  $("restore-confirm").value = "";
  $("restore-submit").disabled = true;
  // as the CLI: into an empty database unless replacing is chosen
  $("restore-mode").value = "empty";
  describeRestoreMode();
  dialog.showModal();
}

/** What the chosen mode does to the database, in the CLI's words. */
function describeRestoreMode() {
  const c = state.current;
  const now = c
    ? `${count(c.nodes)} nodes, ${count(c.relationships)} relationships`
    : "what the database holds";
  $("restore-effect").textContent =
    $("restore-mode").value === "replace"
      ? `Replaces: ${now} now in the database (a safety backup is taken first)`
      : c && c.nodes + c.relationships > 0
        ? `Target: empty — the database holds ${now}, so this restore will be refused; choose replace`
        : "Target: empty";
}

function wireRestore() {
  const dialog = $("restore-dialog");
  $("restore-confirm").addEventListener("input", (event) => {
    $("restore-submit").disabled = event.target.value !== state.database;
  });
  $("restore-cancel").addEventListener("click", () => dialog.close());
  $("restore-mode").addEventListener("change", describeRestoreMode);
  $("restore-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const confirm = $("restore-confirm").value;
    if (confirm !== state.database) return;
    dialog.close();
    void run(path(dialog.dataset.name, "/restore"), { confirm, mode: $("restore-mode").value });
  });
}

// ---- pin and delete

async function setPinned(name, pinned) {
  showMessage("");
  try {
    await api(path(name, "/pin"), { method: "POST", body: { pinned } });
    await loadBackups();
  } catch (error) {
    showMessage(error.message, error.code);
  }
}

function openDelete(entry) {
  const dialog = $("delete-dialog");
  dialog.dataset.name = entry.name;
  $("delete-summary").textContent =
    `Delete ${entry.name} (${kindOf(entry)}, ${count(entry.nodeCount)} nodes, taken ${instant(entry.created)})?`;
  dialog.showModal();
}

function wireDelete() {
  const dialog = $("delete-dialog");
  $("delete-cancel").addEventListener("click", () => dialog.close());
  $("delete-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = dialog.dataset.name;
    dialog.close();
    showMessage("");
    try {
      await api(path(name, "/delete"), { method: "POST", body: { confirm: name } });
      state.rowResults.delete(name);
      await refresh();
    } catch (error) {
      showMessage(error.message, error.code);
    }
  });
}

// ---- start

async function refresh() {
  await Promise.all([loadStatus(), loadBackups(), loadHistory()]);
}

function wire() {
  $("refresh").addEventListener("click", () => void refresh());
  $("create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = $("create-reason").value.trim();
    if (reason) void run("/api/backups", { reason });
  });
  wireRestore();
  wireDelete();
  wireBackupTable();
}

async function start() {
  wire();
  await refresh();
  followStatus();
  // a job started before this page was opened (or before it was reloaded) is followed again
  try {
    const { jobs } = await api("/api/jobs");
    const running = jobs.find((job) => job.state === "running");
    if (running) follow(running);
  } catch (error) {
    showMessage(error.message);
  }
}

void start();
