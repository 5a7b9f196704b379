// DOM and fetch helpers shared by every page. URLs stay relative so each page works at / and at
// /host/NAME/ alike.

/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** A new element with attributes and optional text. */
export function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Requests this page made, by API command, for the benchmark and the tests. */
export const requestCounts = { total: 0 };

/** GETs JSON; the error names the URL and the status. */
export async function getJson(url) {
  requestCounts.total++;
  const res = await fetch(url, { cache: 'no-store' });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${(await res.text()).slice(0, 200)}`);
  return res.json();
}

/** The host this page shows: the NAME of /host/NAME/, or '' for the local host. */
export function currentHost() {
  const m = /\/host\/([^/]+)\//.exec(location.pathname);
  return m ? decodeURIComponent(m[1]) : '';
}

/** The agent's root path (the /host/NAME/ part and the file name removed), for links to other hosts. */
export function rootPath() {
  return location.pathname.replace(/host\/[^/]+\/.*$/, '').replace(/[^/]*$/, '');
}

/** The page path of a host: the root for the local host, else root/host/NAME/. */
export function hostPath(hostname, local) {
  return local ? rootPath() : `${rootPath()}host/${encodeURIComponent(hostname)}/`;
}

/** Writes a status line in the header. */
export function status(text) {
  const s = $('status');
  if (s) s.textContent = text;
}
