// The API as the page calls it: the token from this browser session only, errors as the
// API words them ({"error": {"code", "message"}}), snapshots fetched with the token.
const KEY = "streamdag.token";

export function getToken() {
  return sessionStorage.getItem(KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra) {
  const h = { ...extra };
  const t = getToken();
  if (t) h.Authorization = "Bearer " + t;
  return h;
}

async function failure(r) {
  let body = null;
  try {
    body = await r.json();
  } catch {
    /* not JSON: said below by the status alone */
  }
  const e = body && body.error;
  return new ApiError(r.status, e ? e.code : "http_" + r.status, e ? e.message : r.statusText);
}

export async function api(path, { method = "GET", body } = {}) {
  const init = { method, headers: headers(), cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  if (!r.ok) throw await failure(r);
  if (r.status === 204) return null;
  return r.json();
}

// An object URL (blob:) of a JPEG route, for an <img>: an <img src> could not send the token.
// null when there is no snapshot yet.
export async function imageUrl(path) {
  const r = await fetch(path, { headers: headers(), cache: "no-store" });
  if (r.status === 404) return null;
  if (!r.ok) throw await failure(r);
  return URL.createObjectURL(await r.blob());
}

// A WebSocket feed (docs/websocket.md): the token rides as a subprotocol next to
// "streamdag", since a browser cannot set headers on a WebSocket.
export function feed(path, onMessage, onClose) {
  const url = new URL(path, location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const t = getToken();
  const ws = new WebSocket(url, t ? ["streamdag", "bearer." + t] : ["streamdag"]);
  ws.addEventListener("message", (ev) => {
    try {
      onMessage(JSON.parse(ev.data));
    } catch {
      /* a message that is not JSON is not the daemon's */
    }
  });
  if (onClose) ws.addEventListener("close", onClose);
  return ws;
}
