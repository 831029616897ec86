// The HTML report as a person sees it (`make browser-test`).
//
// A real organization audit against the patched moto server writes the
// report; headless Chromium (Debian's, driven by playwright-core, which
// downloads no browser) opens it from disk with every network request
// refused, and the test reads it as a person would: the headline numbers,
// the charts on screen, the table filtered and sorted by clicking. The page
// and a full-page screenshot are kept in $BROWSER_ARTIFACTS (default
// target/browser/). The audit and the browser are set up once; every test
// gets the report freshly loaded in a new page, so the tests share no filter
// or sort state and run in any order, or alone (--test-name-pattern).
//
// Environment: NEPTUNE_CMK_BIN (the CLI), NEPTUNE_CMK_PYTHON (the venv's
// python, which runs tests/moto), CHROMIUM (default /usr/bin/chromium).
// A missing browser fails the test: it is never skipped.

import { test, before, after, beforeEach, afterEach } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cli = process.env.NEPTUNE_CMK_BIN ?? join(root, "target/debug/neptune-cmk");
const python = process.env.NEPTUNE_CMK_PYTHON ?? join(root, ".venv/bin/python");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const artifacts = resolve(process.env.BROWSER_ARTIFACTS ?? join(root, "target/browser"));
const regions = ["us-east-1", "eu-west-1"];
// The flags known to work in this sandbox: no sandbox as root, no GPU, and
// no background connections, which the closed network would refuse.
const chromiumFlags = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

let moto;
let endpoint;
let rows;
let reportPath;
let browser;
let context;
let page;
// What the current test's page requested (all refused) and its script errors.
const refused = [];
const pageErrors = [];

/** Starts tests/moto/launcher.py on a free port and waits for READY. */
async function startMoto() {
  const child = spawn(python, [join(root, "tests/moto/launcher.py"), "--host", "127.0.0.1", "--port", "0", "--exit-on-stdin-eof"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const port = line.match(/^READY (\d+)$/)?.[1];
    if (port) {
      return { child, endpoint: `http://127.0.0.1:${port}` };
    }
  }
  throw new Error(`moto did not start (${python}); run make venv`);
}

async function control(path, body) {
  const response = await fetch(`${endpoint}/_neptune_cmk/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${path}: ${text}`);
  return JSON.parse(text);
}

function awsEnv() {
  return {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_PROFILE: "",
  };
}

/** Runs the CLI's organization audit in both regions. */
function audit(...args) {
  const regionFlags = regions.flatMap((region) => ["--region", region]);
  return spawnSync(cli, ["audit", "--organization", ...regionFlags, ...args], { env: awsEnv(), encoding: "utf8" });
}

/** Three members with compliant fleets (seed.py), some non-compliant
 *  clusters, and a fourth member whose audit role cannot be assumed. */
async function seedOrganization() {
  const seeded = spawnSync(python, [join(root, "tests/moto/seed.py"), "--endpoint", endpoint, "--fleet", "org",
    "--members", "3", "--regions", regions.join(","), "--clusters", "2", "--instances", "1"], { encoding: "utf8" });
  assert.equal(seeded.status, 0, seeded.stderr);
  const members = JSON.parse(seeded.stdout).members;
  await control("bulk_clusters", { count: 2, prefix: "plain-", instancesPerCluster: 1, accountId: members[0].AccountId, region: "us-east-1" });
  await control("bulk_clusters", { count: 1, prefix: "aws-key-", storageEncrypted: true, accountId: members[1].AccountId, region: "eu-west-1" });
  await control("faults", {
    service: "sts",
    operation: "AssumeRole",
    match: { params: { RoleArn: `arn:aws:iam::${members[2].AccountId}:role/NeptuneCmkAuditRole` } },
    error_code: "AccessDenied",
    status: 403,
    message: "not authorized to perform sts:AssumeRole",
    count: "unlimited",
  });
  return members;
}

before(async () => {
  assert.ok(existsSync(browserPath), `no Chromium at ${browserPath}: install it (apt-get install -y chromium) or set CHROMIUM`);
  assert.ok(existsSync(cli), `no CLI at ${cli}: cargo build -p neptune-cmk, or set NEPTUNE_CMK_BIN`);
  ({ child: moto, endpoint } = await startMoto());
  await seedOrganization();
  mkdirSync(artifacts, { recursive: true });
  reportPath = join(artifacts, "report.html");
  const html = audit("--format", "html", "-o", reportPath);
  assert.equal(html.status, 2, `one target fails, so exit 2: ${html.stderr}`);
  const json = audit("--format", "json");
  rows = JSON.parse(json.stdout);
  browser = await chromium.launch({ executablePath: browserPath, headless: true, args: chromiumFlags });
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, offline: true });
  // Offline, and every request but the page itself is refused and recorded.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) {
      return route.continue();
    }
    refused.push(url);
    return route.abort();
  });
});

// A new page with the report just loaded: no filter, no sort, top of the page.
beforeEach(async () => {
  refused.length = 0;
  pageErrors.length = 0;
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(String(error)));
  await page.goto(pathToFileURL(reportPath).href);
});

afterEach(async () => {
  await page?.close();
  page = undefined;
});

after(async () => {
  await browser?.close();
  moto?.stdin.end();
  moto?.kill();
});

const visibleRows = () => page.locator("#resources-table tbody tr:visible");
const cellTexts = (column) => visibleRows().evaluateAll(
  (trs, index) => trs.map((tr) => tr.cells[index].textContent.trim()), column);

test("renders offline, with the headline numbers of the audit", async () => {
  assert.match(await page.title(), /Neptune encryption report/);
  const judged = rows.filter((row) => row.compliance !== "ERROR");
  const nonCompliant = judged.filter((row) => row.compliance === "NON_COMPLIANT");
  assert.ok(nonCompliant.length > 0 && judged.length > nonCompliant.length);
  assert.equal(await page.locator("#total-resources").innerText(), String(judged.length));
  assert.equal(await page.locator("#total-non-compliant").innerText(), String(nonCompliant.length));
  assert.equal(await page.locator("#total-errors").innerText(), "1");
  assert.deepEqual(refused, [], "the page requested nothing");
  assert.deepEqual(pageErrors, [], "no script errors");
});

test("the charts are on screen, one bar per account and per region", async () => {
  const accounts = new Set(rows.map((row) => row.accountId));
  for (const [id, bars] of [["#chart-accounts", accounts.size], ["#chart-regions", regions.length + 1]]) {
    const chart = page.locator(`${id} svg`);
    assert.ok(await chart.isVisible(), `${id} visible`);
    const box = await chart.boundingBox();
    assert.ok(box.width > 300 && box.height > 40, `${id} has a size: ${JSON.stringify(box)}`);
    assert.equal(await page.locator(`${id} g.bar`).count(), bars, id);
    const rects = page.locator(`${id} rect`);
    assert.ok(await rects.count() >= bars);
    for (const rect of await rects.all()) {
      const size = await rect.boundingBox();
      assert.ok(size && size.width > 0 && size.height > 10, `${id} bar drawn`);
    }
    const red = await page.locator(`${id} rect.non-compliant`).first().evaluate((el) => getComputedStyle(el).fill);
    assert.equal(red, "rgb(198, 40, 40)", "non-compliant bars are red");
  }
  const reasons = await page.locator("#reasons tbody tr").evaluateAll((trs) => trs.map((tr) => tr.dataset.reason));
  for (const reason of ["customer-managed-key", "unencrypted", "aws-managed-key", "not-audited"]) {
    assert.ok(reasons.includes(reason), `${reason} in ${reasons}`);
  }
});

test("the table filters by text and by verdict", async () => {
  assert.equal(await visibleRows().count(), rows.length);
  const account = rows.find((row) => row.accountName === "member-0").accountId;
  await page.locator("#filter").fill(account);
  const ofAccount = rows.filter((row) => row.accountId === account).length;
  assert.equal(await visibleRows().count(), ofAccount);
  assert.equal(await page.locator("#shown").innerText(), `${ofAccount} of ${rows.length} rows`);
  assert.ok((await cellTexts(0)).every((text) => text.startsWith(account)));

  await page.locator("#filter").fill("");
  await page.locator("#verdict-filter").selectOption("ERROR");
  assert.equal(await visibleRows().count(), 1);
  assert.match((await cellTexts(8))[0], /sts:AssumeRole failed/);

  await page.locator("#verdict-filter").selectOption("NON_COMPLIANT");
  await page.locator("#filter").fill("plain-");
  const plain = rows.filter((row) => row.compliance === "NON_COMPLIANT" && (row.identifier ?? "").includes("plain-"));
  assert.equal(await visibleRows().count(), plain.length);
  await page.locator("#filter").fill("");
  await page.locator("#verdict-filter").selectOption("");
  assert.equal(await visibleRows().count(), rows.length);
});

test("the table sorts by a column, both ways", async () => {
  const verdictHeader = page.locator("#resources-table th", { hasText: "Verdict" });
  await verdictHeader.getByRole("button").click();
  assert.equal(await verdictHeader.getAttribute("aria-sort"), "ascending");
  const ascending = await cellTexts(6);
  assert.deepEqual(ascending, [...ascending].sort());
  assert.equal(ascending[0], "COMPLIANT");
  await verdictHeader.getByRole("button").click();
  assert.equal(await verdictHeader.getAttribute("aria-sort"), "descending");
  const descending = await cellTexts(6);
  assert.equal(descending[0], "NON_COMPLIANT");
  assert.deepEqual(descending, [...ascending].reverse());

  const resourceHeader = page.locator("#resources-table th", { hasText: "Resource" });
  await resourceHeader.getByRole("button").click();
  assert.equal(await verdictHeader.getAttribute("aria-sort"), "none");
  const names = await cellTexts(3);
  const sorted = [...names].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  assert.deepEqual(names, sorted);
});

test("a screenshot is kept", async () => {
  const path = join(artifacts, "report.png");
  await page.screenshot({ path, fullPage: true });
  assert.ok(existsSync(path));
});
