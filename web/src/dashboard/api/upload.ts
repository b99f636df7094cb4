// File uploads with progress: XMLHttpRequest (fetch reports no upload progress), the access
// token in the Authorization header, one refresh-and-retry on a 401 like `Api.request`.
import type { Api } from "./client";
import { NetworkError, SessionExpiredError, errorFromBody } from "./errors";

export interface UploadAnswer<T> {
  status: number;
  body: T;
}

export type XhrFactory = () => XMLHttpRequest;

function parse(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sendOnce(
  make: XhrFactory, url: string, form: FormData, token: string,
  onProgress: (loaded: number, total: number) => void, signal?: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = make();
    xhr.open("POST", url);
    xhr.setRequestHeader("Authorization", `Bearer ${token}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : 0);
    xhr.onload = () => resolve({ status: xhr.status, body: parse(xhr.responseText) });
    xhr.onerror = () => reject(new NetworkError());
    xhr.onabort = () => reject(new NetworkError());
    signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** POST a multipart form to `path`; rejects with the API's error for a non-2xx answer. */
export async function uploadForm<T>(
  api: Api, path: string, form: FormData, onProgress: (loaded: number, total: number) => void,
  opts: { signal?: AbortSignal; xhr?: XhrFactory } = {},
): Promise<UploadAnswer<T>> {
  const make = opts.xhr ?? (() => new XMLHttpRequest());
  const send = (): Promise<{ status: number; body: unknown }> => {
    const token = api.session.access;
    if (!token) {
      api.session.expire();
      throw new SessionExpiredError();
    }
    return sendOnce(make, path, form, token, onProgress, opts.signal);
  };
  let res = await send();
  if (res.status === 401) {
    if (await api.session.refresh()) res = await send();
    if (res.status === 401) {
      api.session.expire();
      throw new SessionExpiredError();
    }
  }
  if (res.status < 200 || res.status >= 300) throw errorFromBody(res.status, res.body);
  return { status: res.status, body: res.body as T };
}
