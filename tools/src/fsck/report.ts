import { formatTable } from "../cli/table.js";
import { CHECKS, type FsckReport } from "./checks.js";

/** The report as people read it: one row per check, then one per problem, then the verdict. */
export function formatReport(report: FsckReport, dataRoot: string): string {
  const rows = CHECKS.map((check) => {
    const found = report.problems.filter((p) => p.check === check).length;
    return [check, String(report.checked[check]), found === 0 ? "ok" : `${found} problem${found === 1 ? "" : "s"}`];
  });
  const lines = [formatTable(["CHECK", "OBJECTS", "RESULT"], rows)];
  if (report.problems.length > 0) {
    lines.push(
      "\n",
      formatTable(
        ["CHECK", "OBJECT", "PROBLEM"],
        report.problems.map((p) => [p.check, p.subject, p.detail]),
      ),
    );
  }
  const verdict =
    report.problems.length === 0
      ? `${dataRoot}: clean`
      : `${dataRoot}: ${report.problems.length} problem${report.problems.length === 1 ? "" : "s"} (Slipway's reconciler removes orphans of failed creates; stop Slipway before fsck, or creates in flight show as orphans)`;
  return `${lines.join("")}\n${verdict}\n`;
}
