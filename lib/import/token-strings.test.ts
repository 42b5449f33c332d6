/**
 * Token strings from dashboard files → display text. Expected strings are written by hand from the
 * tokenizers' published definitions: GPT-2's bytes_to_unicode table (openai/gpt-2 src/encoder.py;
 * "Ġ" is byte 0x20, "Ċ" 0x0A, "Ã©" the UTF-8 bytes C3 A9 of "é"), SAEDashboard's HTML_ANOMALIES
 * (neuronpedia_runner.py replaces "Ġ" by " " before writing), SentencePiece's "▁" for a space and
 * <0xNN> byte fallback pieces (google/sentencepiece, byte_fallback).
 */
import { describe, expect, it } from "vitest";
import { detectTokenFormat, displayText } from "./token-strings";

describe("token strings", () => {
  it("decodes GPT-2 byte-level strings as GPT-2 shows them, stray bytes of a split character as \\xNN", () => {
    expect(displayText("Ġthe", "byte-level")).toBe(" the");
    expect(displayText(" the", "byte-level")).toBe(" the"); // already replaced by SAEDashboard
    expect(displayText("caf" + "Ã©", "byte-level")).toBe("café");
    expect(displayText("âĢ¦", "byte-level")).toBe("…");
    expect(displayText("âĢ", "byte-level")).toBe("\\xE2\\x80"); // first two bytes of ’ (E2 80 99)
    expect(displayText("Ļ", "byte-level")).toBe("\\x99");
    expect(displayText("Ċ", "byte-level")).toBe("\n");
    expect(displayText("—", "byte-level")).toBe("—"); // SAEDashboard's replacement of "âĢĶ"
    expect(displayText("<|endoftext|>", "byte-level")).toBe("<|endoftext|>");
  });

  it("decodes SentencePiece pieces: ▁ is a space, <0xNN> is one byte", () => {
    expect(displayText("▁the", "sentencepiece")).toBe(" the");
    expect(displayText("<0x0A>", "sentencepiece")).toBe("\n");
    expect(displayText("<0xE2>", "sentencepiece")).toBe("\\xE2");
    expect(displayText("ケ", "sentencepiece")).toBe("ケ");
    expect(displayText("<bos>", "sentencepiece")).toBe("<bos>");
  });

  it("reads the form from the file", () => {
    expect(detectTokenFormat(["▁the", "▁cat", "s"]).format).toBe("sentencepiece");
    expect(detectTokenFormat(["<0x0A>", "hello"]).format).toBe("sentencepiece");
    expect(detectTokenFormat([" the", "Ã©", "âĢ", "Ļ"]).format).toBe("byte-level");
    expect(detectTokenFormat([" the", "café", "→", "日本"]).format).toBe("text");
    // display text "é" read as bytes would be one stray byte: not byte-level
    expect(detectTokenFormat([" caf", "é", " na", "ï", "ve"]).format).toBe("text");
    expect(detectTokenFormat([" plain", " ascii"]).format).toBe("text");
  });
});
