/** Browser-side calls to the labels API: one small fetch wrapper that returns the error contract as data. */
export interface ApiResult<T> {
  ok: boolean;
  status: number;
  data: T | null;
  error: { code: string; message: string; details?: unknown } | null;
}

export async function apiCall<T>(method: string, url: string, body?: unknown): Promise<ApiResult<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (response.ok) return { ok: true, status: response.status, data: json as T, error: null };
  const error = (json as { error?: ApiResult<T>["error"] } | null)?.error ?? { code: "internal", message: `HTTP ${response.status}` };
  return { ok: false, status: response.status, data: null, error };
}
