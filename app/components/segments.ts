/** URL path segments to names: model and SAE names are data and may contain any character. */
export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
