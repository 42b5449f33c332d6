/** The "Save to list" controls of search-by-inference and contrast results, rendered as the server sends them. */
import { createElement, type ReactElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { InferenceResults } from "@/app/search/InferenceResults";
import { ContrastResults } from "@/app/search/ContrastResults";
import { featureValue, parseFeatureValue } from "@/app/search/saved-features";
import type { ContrastSearchResult, TextFeatures } from "@/lib/search/inference";

const render = (element: ReactElement) =>
  renderToStaticMarkup(createElement(QueryClientProvider, { client: new QueryClient() }, element));

const feature = (saeId: number, index: number) => ({ index, label: `feature ${index}`, url: `/models/m/saes/s${saeId}/features/${index}` });
const result: TextFeatures = {
  modelName: "m", executionProvider: "cpu", timingsMs: 5,
  tokens: [{ id: 0, text: "<|endoftext|>", bos: true, partial: false }, { id: 5, text: " a", bos: false, partial: false }, { id: 6, text: " b", bos: false, partial: false }],
  saes: [
    {
      saeId: 3, saeName: "s3",
      top: [{ ...feature(3, 7), maxValue: 2, position: 1, activeTokens: 1 }, { ...feature(3, 9), maxValue: 1, position: 2, activeTokens: 2 }],
      perToken: [[], [{ ...feature(3, 7), value: 2 }, { ...feature(3, 11), value: 1 }], [{ ...feature(3, 9), value: 1 }]],
    },
    { saeId: 4, saeName: "s4", top: [{ ...feature(4, 7), maxValue: 3, position: 2, activeTokens: 1 }], perToken: [[], [], [{ ...feature(4, 7), value: 3 }]] },
  ],
};
const save = { signedIn: true, signInHref: "/signin?callbackUrl=%2Fsearch" };
/** [value, form, accessible name] of every checkbox, in document order. */
const checkboxes = (html: string) =>
  (html.match(/<input type="checkbox"[^>]*>/g) ?? []).map((input) => ["value", "form", "aria-label"].map((name) => new RegExp(`${name}="([^"]*)"`).exec(input)?.[1]));

describe("saving search-by-inference results", () => {
  it("gives every shown feature a checkbox of the save form and counts each feature once in 'all shown'", () => {
    const html = render(createElement(InferenceResults, { result, selected: 1, hrefForToken: (p: number) => `/search?token=${p}`, save }));
    expect(html).toContain('<form id="save-inference-features"');
    // token 1's features (7, 11 of SAE 3), then each SAE's strongest (7, 9 of SAE 3; 7 of SAE 4)
    const form = "save-inference-features";
    expect(checkboxes(html)).toEqual([
      ["3:7", form, "Select s3 #7 to save"], ["3:11", form, "Select s3 #11 to save"],
      ["3:7", form, "Select s3 #7 to save"], ["3:9", form, "Select s3 #9 to save"], ["4:7", form, "Select s4 #7 to save"],
    ]);
    expect(html).toContain("Save all shown (4)</button>");
  });

  it("asks a visitor who is not signed in to sign in, without checkboxes", () => {
    const html = render(createElement(InferenceResults, { result, selected: null, hrefForToken: () => "/search", save: { ...save, signedIn: false } }));
    expect(checkboxes(html)).toEqual([]);
    expect(html).not.toContain("<form");
    expect(html).toContain('href="/signin?callbackUrl=%2Fsearch"');
  });

  it("does the same for contrast results", () => {
    const contrast: ContrastSearchResult = {
      modelName: "m", executionProvider: "cpu", candidates: 2, measured: 0, unmeasured: 0, incomplete: false, timingsMs: 3,
      results: [{ saeId: 3, saeName: "s3", index: 5, label: null, url: "/x", score: 0.5, positive: [1], negative: [0], maxActivation: 2 }],
      withoutDashboard: [],
    };
    const html = render(createElement(ContrastResults, { result: contrast, save }));
    expect(checkboxes(html)).toEqual([["3:5", "save-contrast-features", "Select s3 #5 to save"]]);
    expect(html).toContain('<form id="save-contrast-features"');
  });

  it("reads back only well-formed checkbox values", () => {
    expect(parseFeatureValue(featureValue({ saeId: 12, index: 0 }))).toEqual({ saeId: 12, index: 0 });
    expect(parseFeatureValue("12:-1")).toBeNull();
    expect(parseFeatureValue("12:3:4")).toBeNull();
  });
});
