const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const SKIP = new Set(["level", "time", "pid", "hostname", "name", "app", "msg"]);

/**
 * Turns one pino JSON line into "[app] HH:MM:SS INFO msg key=value ..." for people (the app the line names,
 * else the process's); other lines pass through behind the process's name.
 */
export function formatLogLine(line: string, processName: string): string {
  const prefix = (app: string) => `[${app}]`.padEnd(19);
  if (!line.startsWith("{")) return `${prefix(processName)}${line}`;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const app = typeof entry.name === "string" ? entry.name : processName;
    const time = typeof entry.time === "string" ? entry.time.slice(11, 19) : "";
    const level = LEVELS[entry.level as number] ?? String(entry.level);
    const fields = Object.entries(entry)
      .filter(([k]) => !SKIP.has(k))
      .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    return prefix(app) + [time, level.padEnd(5), entry.msg, ...fields].filter((p) => p !== "" && p !== undefined).join(" ");
  } catch {
    return `${prefix(processName)}${line}`;
  }
}
