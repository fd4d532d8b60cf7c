// Statistics: the funnel (open deals and value per stage), where deals are lost, and
// how far the deals that entered got, as hand-drawn SVG bars, each chart with its
// numbers in a table beside it.

import { request } from "./api";
import { STATS } from "./documents";
import { escape, money } from "./format";

interface StageStats {
  stage: { id: string; name: string };
  openCount: number;
  openValue: string;
  forecastValue: string;
  lostCount: number;
  reachedShare: number;
}

interface StatsAnswer {
  pipelineStats: {
    from: string;
    to: string;
    currency: string;
    processes: { process: { id: string; name: string }; stages: StageStats[] }[];
  };
}

function bars(title: string, rows: { label: string; value: number; text: string }[]): string {
  const width = 560;
  const height = 24;
  const most = Math.max(1, ...rows.map((r) => r.value));
  const drawn = rows
    .map((row, i) => {
      const length = Math.round((row.value / most) * (width - 330));
      return `<g transform="translate(0 ${i * height})">
        <text x="0" y="16" font-size="12">${escape(row.label)}</text>
        <rect x="110" y="4" width="${length}" height="16" rx="2"></rect>
        <text x="${114 + length}" y="16" font-size="12">${escape(row.text)}</text></g>`;
    })
    .join("");
  return `<svg role="img" aria-label="${escape(title)}" viewBox="0 0 ${width} ${rows.length * height}"
    width="${width}" class="chart">${drawn}</svg>`;
}

export async function renderStats(
  root: HTMLElement,
  processId: string,
  period: { from?: string; to?: string },
): Promise<void> {
  const answer = await request<StatsAnswer>(STATS, { processId, from: period.from ?? null, to: period.to ?? null });
  const stats = answer.pipelineStats;
  const currency = stats.currency;
  const process = stats.processes[0];
  if (!process) {
    root.innerHTML = "<p>No statistics for this process.</p>";
    return;
  }
  const stages = process.stages;
  const charts: [string, { label: string; value: number; text: string }[]][] = [
    [
      "Open deals per stage (the funnel)",
      stages.map((s) => ({
        label: s.stage.name,
        value: Number(s.openValue),
        text: `${s.openCount} · ${money(s.openValue, currency)}`,
      })),
    ],
    [
      "Deals lost at each stage",
      stages.map((s) => ({ label: s.stage.name, value: s.lostCount, text: String(s.lostCount) })),
    ],
    [
      "Share of the period's new deals that reached each stage",
      stages.map((s) => ({
        label: s.stage.name,
        value: s.reachedShare,
        text: `${Math.round(s.reachedShare * 100)}%`,
      })),
    ],
  ];
  const table = `<table data-testid="stats-table"><caption>${escape(process.process.name)}, ${stats.from} to ${stats.to}</caption>
    <thead><tr><th scope="col">Stage</th><th scope="col">Open deals</th><th scope="col">Open value</th>
      <th scope="col">Forecast</th><th scope="col">Lost here</th><th scope="col">Reached</th></tr></thead>
    <tbody>${stages
      .map(
        (s) => `<tr><th scope="row">${escape(s.stage.name)}</th><td>${s.openCount}</td>
          <td>${money(s.openValue, currency)}</td><td>${money(s.forecastValue, currency)}</td>
          <td>${s.lostCount}</td><td>${Math.round(s.reachedShare * 100)}%</td></tr>`,
      )
      .join("")}</tbody></table>`;
  root.innerHTML = `${charts
    .map(([title, rows]) => `<figure><figcaption>${escape(title)}</figcaption>${bars(title, rows)}</figure>`)
    .join("")}${table}`;
}
