/** A feature page's address, relative to the site: /models/<model>/saes/<sae>/features/<index>. */
export function featureUrl(modelName: string, saeName: string, index: number): string {
  return `/models/${encodeURIComponent(modelName)}/saes/${encodeURIComponent(saeName)}/features/${index}`;
}
