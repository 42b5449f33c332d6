/** Label export formats: JSON Lines (one object per label) and CSV (RFC 4180, provenance as JSON). */
import type { ExportRow } from "../db/labelling";
import { EXPORT_COLUMNS } from "../db/labelling";

export function toJsonLine(row: ExportRow): string {
  return JSON.stringify(row) + "\n";
}

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  // quote when needed; a leading = + - @ is prefixed with ' so spreadsheets do not run it as a formula
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === "string" ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvHeader(): string {
  return EXPORT_COLUMNS.join(",") + "\r\n";
}

export function toCsvLine(row: ExportRow): string {
  return EXPORT_COLUMNS.map((column) => csvField(row[column])).join(",") + "\r\n";
}

/** A streamed download of batches in one of the formats. */
export function exportStream(batches: AsyncGenerator<ExportRow[]>, format: "jsonl" | "csv"): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let headerSent = false;
  return new ReadableStream({
    async pull(controller) {
      if (format === "csv" && !headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(csvHeader()));
        return;
      }
      const next = await batches.next();
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(next.value.map(format === "csv" ? toCsvLine : toJsonLine).join("")));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
}
