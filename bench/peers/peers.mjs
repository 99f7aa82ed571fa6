// Runs the queries of one evaluation set through a peer search engine, as a site owner would set it up,
// and writes the ranked article ids: `cargo xtask eval` scores them with `kb-builder eval --rankings`.
//
//   node peers.mjs <minisearch|pagefind> <docs.jsonl> <queries.jsonl> <out.jsonl> <work dir>
//
// docs.jsonl: {"id","lang","title","body"} per line; queries.jsonl: {"qid","query"} per line;
// out.jsonl: {"qid","ids":[...]} per line, best first, at most 10. Packages come from NODE_PATH (xtask
// installs them into .tools/peers).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [engine, docsPath, queriesPath, outPath, workDir] = process.argv.slice(2);
if (!workDir) {
  console.error("usage: node peers.mjs <minisearch|pagefind> <docs.jsonl> <queries.jsonl> <out.jsonl> <work dir>");
  process.exit(2);
}
const readJsonl = (p) => fs.readFileSync(p, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
const docs = readJsonl(docsPath);
const queries = readJsonl(queriesPath);
// Packages come from the folder xtask installed them into, not from this file's location.
const modules = path.join(process.env.PEERS_MODULES ?? process.cwd(), "node_modules");
const importPackage = async (name) => {
  const manifest = JSON.parse(fs.readFileSync(path.join(modules, name, "package.json"), "utf8"));
  const exported = manifest.exports?.["."];
  const entry = (typeof exported === "string" ? exported : exported?.import ?? exported?.default) ?? manifest.module ?? manifest.main;
  return import(pathToFileURL(path.join(modules, name, entry)).href);
};
const LIMIT = 10;

async function minisearch() {
  const { default: MiniSearch } = await importPackage("minisearch");
  // The setup from MiniSearch's README: title and text fields, title boosted, prefix and fuzzy matching.
  const index = new MiniSearch({
    fields: ["title", "body"],
    searchOptions: { boost: { title: 2 }, prefix: true, fuzzy: 0.2 },
  });
  index.addAll(docs);
  return async (query) => index.search(query).slice(0, LIMIT).map((r) => r.id);
}

const escapeHtml = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

async function pagefind() {
  const pagefindLib = await importPackage("pagefind");
  // Each article as the help center would publish it: one HTML page with its title and body.
  const { index } = await pagefindLib.createIndex({});
  for (const doc of docs) {
    const paragraphs = doc.body.split(/\n+/).map((p) => `<p>${escapeHtml(p)}</p>`).join("\n");
    const html = `<!doctype html><html lang="${doc.lang}"><head><meta charset="utf-8"><title>${escapeHtml(doc.title)}</title></head>` +
      `<body><main><h1>${escapeHtml(doc.title)}</h1>${paragraphs}</main></body></html>`;
    const { errors } = await index.addHTMLFile({ url: `/${doc.id}/`, content: html });
    if (errors.length) throw new Error(`pagefind rejected ${doc.id}: ${errors.join("; ")}`);
  }
  const bundleDir = path.join(workDir, "pagefind");
  await index.writeFiles({ outputPath: bundleDir });
  await pagefindLib.close();

  // Pagefind's own browser search code (pagefind.js + its wasm) fetches the index files it needs; Node's
  // fetch has no file: URLs, so serve those from disk.
  const networkFetch = globalThis.fetch;
  globalThis.fetch = async (url, options) => {
    const parsed = new URL(url, pathToFileURL(bundleDir + "/"));
    if (parsed.protocol !== "file:") return networkFetch(url, options);
    return new Response(fs.readFileSync(fileURLToPath(parsed)));
  };
  const search = await import(pathToFileURL(path.join(bundleDir, "pagefind.js")).href);
  await search.options({ basePath: pathToFileURL(bundleDir + "/").href });
  await search.init();
  return async (query) => {
    const found = await search.search(query);
    const top = await Promise.all((found?.results ?? []).slice(0, LIMIT).map((r) => r.data()));
    // Pagefind prefixes the page URL with its base path: the id is the URL's last segment.
    return top.map((data) => data.url.split("/").filter(Boolean).pop());
  };
}

const engines = { minisearch, pagefind };
if (!engines[engine]) {
  console.error(`unknown engine ${engine} (minisearch, pagefind)`);
  process.exit(2);
}
const run = await engines[engine]();
const out = [];
for (const q of queries) {
  out.push(JSON.stringify({ qid: q.qid, ids: await run(q.query) }));
}
fs.writeFileSync(outPath, out.join("\n") + "\n");
