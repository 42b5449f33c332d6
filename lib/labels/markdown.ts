/**
 * A small, safe Markdown renderer for comments. It escapes the whole source first, then adds only
 * the formatting it knows (paragraphs, line breaks, `code`, fenced code, **bold**, *italic*,
 * ~~strike~~, > quotes, - and 1. lists, [links](https://…) and bare URLs). Nothing the author writes
 * can become a tag or attribute: raw HTML stays text, and links accept only http(s) and mailto.
 */

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** An href from already-escaped text, or null when its scheme is not allowed. */
function safeHref(escaped: string): string | null {
  // undo only the entity for "&" so the scheme check sees the real URL; quotes stay escaped
  const raw = escaped.replace(/&amp;/g, "&");
  if (!/^(https?:\/\/|mailto:)[^\s]+$/i.test(raw)) return null;
  return escapeHtml(raw);
}

const CODE_SPAN = "\u0000C";

/** Inline formatting of one escaped line. */
function inline(escaped: string): string {
  // code spans first, kept aside so nothing inside them is formatted
  const spans: string[] = [];
  let text = escaped.replace(/`([^`\n]+)`/g, (_, code: string) => {
    spans.push(`<code>${code}</code>`);
    return `${CODE_SPAN}${spans.length - 1}\u0000`;
  });
  const links: string[] = [];
  const keepLink = (html: string) => {
    links.push(html);
    return `\u0000L${links.length - 1}\u0000`;
  };
  text = text.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (whole, label: string, url: string) => {
    const href = safeHref(url);
    return href ? keepLink(`<a href="${href}" rel="nofollow noopener noreferrer" target="_blank">${label}</a>`) : whole;
  });
  text = text.replace(/\bhttps?:\/\/[^\s<]+[^\s<.,;:!?)'"&]/gi, (url) => {
    const href = safeHref(url);
    return href ? keepLink(`<a href="${href}" rel="nofollow noopener noreferrer" target="_blank">${url}</a>`) : url;
  });
  text = text
    .replace(/\*\*([^*\n]+)\*\*/g, "<strong>$1</strong>")
    .replace(/__([^_\n]+)__/g, "<strong>$1</strong>")
    .replace(/(^|[^*\w])\*([^*\n]+)\*(?!\w)/g, "$1<em>$2</em>")
    .replace(/(^|[^_\w])_([^_\n]+)_(?!\w)/g, "$1<em>$2</em>")
    .replace(/~~([^~\n]+)~~/g, "<del>$1</del>");
  text = text.replace(/\u0000L(\d+)\u0000/g, (_, i: string) => links[Number(i)]);
  return text.replace(/\u0000C(\d+)\u0000/g, (_, i: string) => spans[Number(i)]);
}

/** Markdown source → HTML that is safe to insert (see the module comment). */
export function renderMarkdown(source: string): string {
  const lines = escapeHtml(source.replace(/\r\n?/g, "\n")).split("\n");
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: { tag: "ul" | "ol"; items: string[] } | null = null;
  let quote: string[] = [];

  const flushParagraph = () => {
    if (paragraph.length) out.push(`<p>${paragraph.map(inline).join("<br>")}</p>`);
    paragraph = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.tag}>${list.items.map((item) => `<li>${inline(item)}</li>`).join("")}</${list.tag}>`);
    list = null;
  };
  const flushQuote = () => {
    if (quote.length) out.push(`<blockquote>${quote.map(inline).join("<br>")}</blockquote>`);
    quote = [];
  };
  const flushAll = () => {
    flushParagraph();
    flushList();
    flushQuote();
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flushAll();
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^\s*```/.test(lines[i])) code.push(lines[i++]);
      out.push(`<pre><code>${code.join("\n")}</code></pre>`);
      continue;
    }
    if (line.trim() === "") {
      flushAll();
      continue;
    }
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d{1,9}[.)]\s+(.*)$/.exec(line);
    const quoted = /^\s*&gt;\s?(.*)$/.exec(line);
    if (bullet || numbered) {
      flushParagraph();
      flushQuote();
      const tag = bullet ? "ul" : "ol";
      if (list && list.tag !== tag) flushList();
      list ??= { tag, items: [] };
      list.items.push((bullet ?? numbered)![1]);
    } else if (quoted) {
      flushParagraph();
      flushList();
      quote.push(quoted[1]);
    } else {
      flushList();
      flushQuote();
      paragraph.push(line);
    }
  }
  flushAll();
  return out.join("\n");
}
