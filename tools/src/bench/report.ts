/** One row of the comparison: a figure for Slipway, for dockerd, and which way is better. */
export interface Row {
  readonly figure: string;
  readonly slipway: number | undefined;
  readonly dockerd: number | undefined;
  readonly better: "higher" | "lower";
  readonly unit: string;
}

function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "n/a";
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

/** Slipway's advantage as a factor (>1 means Slipway is better), whichever way the figure goes. */
export function advantage(row: Row): number | undefined {
  if (row.slipway === undefined || row.dockerd === undefined || !row.slipway || !row.dockerd) return undefined;
  return row.better === "higher" ? row.slipway / row.dockerd : row.dockerd / row.slipway;
}

/** A markdown table, readable in a terminal too. */
export function renderTable(rows: readonly Row[]): string {
  const lines = ["| figure | Slipway | dockerd | Slipway advantage |", "|---|---:|---:|---:|"];
  for (const row of rows) {
    const factor = advantage(row);
    lines.push(
      `| ${row.figure}${row.unit ? ` (${row.unit})` : ""} | ${format(row.slipway)} | ${format(row.dockerd)} | ${factor === undefined ? "n/a" : `${factor.toFixed(2)}×`} |`,
    );
  }
  return lines.join("\n");
}
