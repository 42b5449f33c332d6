/** Writes one benchmark's section of docs/BENCHMARKS.md, leaving every other section as it is. */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Replaces the section that starts with `## {heading}` (up to the next `## `) with `section`, or
 * appends it when the file has none. `section` starts with its own heading line.
 */
export async function writeBenchmarkSection(heading: string, section: string, file = path.resolve("docs/BENCHMARKS.md")): Promise<void> {
  let text = existsSync(file) ? await readFile(file, "utf8") : "# Benchmarks\n\n";
  const start = text.indexOf(`## ${heading}\n`);
  if (start >= 0) {
    const next = text.indexOf("\n## ", start + 1);
    text = text.slice(0, start) + `${section.trimEnd()}\n` + (next >= 0 ? `\n${text.slice(next + 1)}` : "");
  } else {
    text = `${text.trimEnd()}\n\n${section.trimEnd()}\n`;
  }
  await writeFile(file, text);
  console.log(`wrote the ${heading} section of ${path.relative(process.cwd(), file)}`);
}
