import { describe, expect, it } from "vitest";
import { renderMarkdown } from "./markdown";

describe("renderMarkdown", () => {
  it("formats the small Markdown subset", () => {
    const html = renderMarkdown("**bold** and *it* and `code` ~~old~~\nnext line\n\n- one\n- two\n\n1. first\n\n> quoted\n\n```\nx < y\n```");
    expect(html).toContain("<p><strong>bold</strong> and <em>it</em> and <code>code</code> <del>old</del><br>next line</p>");
    expect(html).toContain("<ul><li>one</li><li>two</li></ul>");
    expect(html).toContain("<ol><li>first</li></ol>");
    expect(html).toContain("<blockquote>quoted</blockquote>");
    expect(html).toContain("<pre><code>x &lt; y</code></pre>");
  });

  it("never lets raw HTML, event handlers or script URLs through", () => {
    const attacks = [
      "<script>alert(1)</script>",
      "<img src=x onerror=alert(1)>",
      "[click](javascript:alert(1))",
      "[click](JaVaScRiPt:alert(1))",
      "[x](data:text/html;base64,PHNjcmlwdD4=)",
      '[x](https://ok.example/"onmouseover="alert(1))',
      "https://example.org/\"><script>alert(1)</script>",
      "`<b>` **<i>**",
    ];
    for (const attack of attacks) {
      const html = renderMarkdown(attack);
      expect(html).not.toMatch(/<(script|img|i>|b>)/i);
      expect(html).not.toMatch(/href="(javascript|data):/i);
      expect(html).not.toMatch(/"\s*onmouseover=/i);
    }
  });

  it("links only http(s) and mailto, with rel=nofollow", () => {
    expect(renderMarkdown("[docs](https://example.org/a?b=1&c=2)")).toBe(
      '<p><a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" target="_blank">docs</a></p>',
    );
    expect(renderMarkdown("see https://example.org/x.")).toContain('<a href="https://example.org/x"');
    expect(renderMarkdown("[x](ftp://example.org)")).toBe("<p>[x](ftp://example.org)</p>");
  });

  it("does not format inside code spans", () => {
    expect(renderMarkdown("`**not bold**`")).toBe("<p><code>**not bold**</code></p>");
  });
});
