/* tests/browser/lifecycle.js: the Cockpit page's whole lifecycle, by
 * clicking, in Debian's headless Chromium through puppeteer-core (never a
 * browser of its own). Started by tests/browser/test-browser.sh, which has
 * set up the private system bus, the mock polkit authority, nova-volumed
 * and cockpit-ws; prints TAP.
 *
 * Environment: NOVA_VOLUME_BROWSER_URL (the page), _ARTIFACTS (where the
 * screenshots go), _PROFILE (an empty Chromium profile directory),
 * _SCREENSHOTS (also copy them here; empty: do not), NOVA_VOLUME_CHROMIUM,
 * DBUS_SYSTEM_BUS_ADDRESS (the private bus, for gdbus). */
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync, spawnSync } = require("child_process");
const puppeteer = require("puppeteer-core");

const BUS = "org.openstack.Volume1";
const ROOT = "/org/openstack/Volume1";
const GiB = 1024 * 1024 * 1024;
const STEP_TIMEOUT = 20000;

const env = process.env;
const artifacts = env.NOVA_VOLUME_BROWSER_ARTIFACTS;
const screenshotCopies = env.NOVA_VOLUME_BROWSER_SCREENSHOTS || "";

let n = 0;
let failures = 0;

function ok(what) {
    n++;
    console.log("ok " + n + " - " + what);
}

function notOk(what, why) {
    n++;
    failures++;
    console.log("not ok " + n + " - " + what);
    for (const line of String(why).split("\n"))
        console.log("# " + line);
}

/* gdbus on the private system bus, as root or as another user (its own
 * groups only) */
function gdbus(args, user) {
    const argv = ["gdbus", "call", "--system", "-d", BUS].concat(args);
    const gid = user ? execFileSync("id", ["-g", user], { encoding: "utf8" }).trim() : "";
    const full = user ? ["setpriv", "--reuid=" + user, "--regid=" + gid, "--init-groups"].concat(argv) : argv;
    const result = spawnSync(full[0], full.slice(1), { encoding: "utf8", timeout: 30000 });
    return { status: result.status, out: (result.stdout || "") + (result.stderr || "") };
}

function polkitResult(action, result) {
    execFileSync("gdbus", ["call", "--system", "-d", "org.freedesktop.PolicyKit1", "-o", "/org/freedesktop/PolicyKit1/Authority",
        "-m", "org.freedesktop.DBus.Mock.SetResult", "org.openstack.volume1." + action, result],
    { encoding: "utf8", timeout: 30000 });
}

async function screenshot(page, name, fullPage) {
    const file = path.join(artifacts, name + ".png");
    await page.screenshot({ path: file, fullPage: !!fullPage });
    if (screenshotCopies) {
        fs.mkdirSync(screenshotCopies, { recursive: true });
        fs.copyFileSync(file, path.join(screenshotCopies, name + ".png"));
    }
}

/* one numbered step: ok when fn returns, not ok with the error (and a
 * screenshot of the moment) when it throws */
async function step(page, what, fn) {
    const started = Date.now();
    try {
        await fn();
        ok(what + " (" + (Date.now() - started) + " ms)");
        return true;
    } catch (ex) {
        const shot = "failed-" + (n + 1) + ".png";
        try {
            await page.screenshot({ path: path.join(artifacts, shot) });
        } catch (_) {
            /* the page itself may be gone */
        }
        notOk(what, (ex && ex.stack ? ex.stack : String(ex)) + "\n(screenshot: " + shot + ")");
        return false;
    }
}

function row(selector) {
    return "#nv-objects tbody tr" + selector;
}

/* clicks happen in the page, in one go: the page draws its table and
 * details again whenever the daemon signals a change, so an element
 * handle taken a moment before may be gone */
async function clickIn(page, selector) {
    await page.waitForSelector(selector, { timeout: STEP_TIMEOUT });
    await page.$eval(selector, e => e.click());
}

async function selectRow(page, selector) {
    await clickIn(page, row(selector));
    await page.waitForFunction(sel => {
        const r = document.querySelector(sel);
        const details = document.querySelector("#nv-details");
        return r && !details.hidden && details.dataset.path === r.dataset.path;
    }, { timeout: STEP_TIMEOUT }, row(selector));
}

async function clickAction(page, label) {
    const found = await page.evaluate(wanted => {
        for (const b of document.querySelectorAll("#nv-actions button")) {
            if (b.textContent === wanted) {
                if (b.disabled)
                    return "disabled";
                b.click();
                return "clicked";
            }
        }
        return "missing";
    }, label);
    if (found !== "clicked")
        throw new Error("the " + label + " button is " + found);
    await page.waitForSelector("#nv-dialog-backdrop:not([hidden])", { timeout: STEP_TIMEOUT });
}

async function typeInto(page, selector, text) {
    await page.click(selector, { clickCount: 3 });
    await page.$eval(selector, e => { e.value = "" });
    await page.type(selector, text);
}

async function applyDialog(page) {
    await page.click("#nv-dialog-apply");
}

async function dialogClosed(page) {
    await page.waitForSelector("#nv-dialog-backdrop[hidden]", { timeout: STEP_TIMEOUT });
}

async function text(page, selector) {
    return page.$eval(selector, e => e.textContent);
}

async function main() {
    const browser = await puppeteer.launch({
        executablePath: env.NOVA_VOLUME_CHROMIUM || "/usr/bin/chromium",
        headless: true,
        userDataDir: env.NOVA_VOLUME_BROWSER_PROFILE,
        args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--force-device-scale-factor=1"],
        defaultViewport: { width: 1280, height: 960 },
        protocolTimeout: 60000,
    });
    const page = await browser.newPage();
    const consoleLines = [];
    page.on("console", msg => consoleLines.push(msg.type() + ": " + msg.text()));
    page.on("pageerror", err => consoleLines.push("pageerror: " + err.message));

    try {
        await run(page);
    } finally {
        fs.writeFileSync(path.join(artifacts, "console.log"), consoleLines.join("\n") + "\n");
        if (consoleLines.some(l => l.startsWith("pageerror")))
            notOk("no script errors in the page", consoleLines.filter(l => l.startsWith("pageerror")).join("\n"));
        await browser.close();
    }
}

async function run(page) {
    for (const action of ["manage-volumes", "manage-snapshots", "attach"])
        polkitResult(action, "yes");

    const loaded = await step(page, "the page loads through cockpit-ws and reaches nova-volumed", async () => {
        await page.goto(env.NOVA_VOLUME_BROWSER_URL, { waitUntil: "load", timeout: 30000 });
        await page.waitForSelector("#nv-page[data-state=ready]", { timeout: 30000 });
    });
    if (!loaded)
        return;

    await step(page, "capacity bars for both backends", async () => {
        await page.waitForFunction(() => document.querySelectorAll(".nv-backend .nv-bar[role=progressbar]").length === 2,
                                   { timeout: STEP_TIMEOUT });
        const names = await page.$$eval(".nv-backend", els => els.map(e => e.dataset.backend).sort());
        if (names.join(",") !== "files,held")
            throw new Error("backends shown: " + names.join(","));
    });

    await step(page, "create a volume in the dialog: size with units, name, backend; it appears live", async () => {
        await page.click("#nv-create");
        await page.waitForSelector("#nv-dialog-backdrop:not([hidden])", { timeout: STEP_TIMEOUT });
        await page.type("#nv-create-name", "data1");
        await typeInto(page, "#nv-create-size", "2");
        await page.select("#nv-create-size-unit", String(GiB));
        await page.select("#nv-create-backend", "files");
        await screenshot(page, "create-dialog");
        await applyDialog(page);
        await dialogClosed(page);
        await page.waitForSelector(row("[data-name=data1][data-status=available]"), { timeout: STEP_TIMEOUT });
        const size = await text(page, row("[data-name=data1]") + " td:nth-child(4)");
        if (size !== "2.0 GiB")
            throw new Error("size shown: " + size);
    });

    await step(page, "a volume another client creates appears in the table without a reload", async () => {
        const r = gdbus(["-o", ROOT + "/Manager", "-m", BUS + ".Manager.CreateVolume", String(GiB),
            "{'name': <'outside'>, 'metadata': <{'owner': 'ops'}>}"]);
        if (r.status !== 0)
            throw new Error("CreateVolume: " + r.out);
        await page.waitForSelector(row("[data-name=outside][data-status=available]"), { timeout: STEP_TIMEOUT });
    });

    await step(page, "a refused size is the daemon's message in the dialog", async () => {
        await page.click("#nv-create");
        await page.waitForSelector("#nv-dialog-backdrop:not([hidden])", { timeout: STEP_TIMEOUT });
        await page.type("#nv-create-name", "too-big");
        await typeInto(page, "#nv-create-size", "999999");
        await page.select("#nv-create-size-unit", String(1024 * GiB));
        await page.select("#nv-create-backend", "files");
        await applyDialog(page);
        await page.waitForSelector("#nv-dialog-error:not([hidden])", { timeout: STEP_TIMEOUT });
        const shown = await text(page, "#nv-dialog-error");
        const name = await page.$eval("#nv-dialog-error", e => e.dataset.error || "");
        if (!name.startsWith(BUS + ".Error."))
            throw new Error("not a daemon error: " + name + ": " + shown);
        await page.click("#nv-dialog-cancel");
        await dialogClosed(page);
    });

    await step(page, "snapshot the volume", async () => {
        await selectRow(page, "[data-name=data1]");
        await clickAction(page, "Snapshot");
        await page.type("#nv-snapshot-name", "snap1");
        await applyDialog(page);
        await dialogClosed(page);
        await page.waitForSelector(row("[data-kind=snapshot][data-name=snap1][data-status=available]"), { timeout: STEP_TIMEOUT });
    });

    await step(page, "extend the volume to 3 GiB", async () => {
        await selectRow(page, "[data-name=data1]");
        await clickAction(page, "Extend");
        await typeInto(page, "#nv-extend-size", "3");
        await page.select("#nv-extend-size-unit", String(GiB));
        await applyDialog(page);
        await dialogClosed(page);
        await page.waitForFunction(sel => {
            const r = document.querySelector(sel);
            return r && r.cells[3].textContent === "3.0 GiB" && r.dataset.status === "available";
        }, { timeout: STEP_TIMEOUT }, row("[data-name=data1]"));
    });

    const connector = "{'host': <'compute1'>, 'ip': <'192.0.2.10'>, 'initiator': <'iqn.1993-08.org.debian:01:compute1'>}";
    await step(page, "attach it: in-use, the attachment, its host and its connector in the details", async () => {
        /* the host connects first (as Nova does), so the attachment
         * carries its connector */
        const volumePath = await page.$eval(row("[data-name=data1]"), r => r.dataset.path);
        const c = gdbus(["-o", volumePath, "-m", BUS + ".Volume.InitializeConnection", connector]);
        if (c.status !== 0)
            throw new Error("InitializeConnection: " + c.out);
        await selectRow(page, "[data-name=data1]");
        await clickAction(page, "Attach");
        await typeInto(page, "#nv-attach-host", "compute1");
        await applyDialog(page);
        await dialogClosed(page);
        await page.waitForSelector(row("[data-name=data1][data-status=in-use]"), { timeout: STEP_TIMEOUT });
        await page.waitForFunction(() => {
            const t = document.querySelector("#nv-attachments");
            return t && t.textContent.includes("compute1") && t.textContent.includes("/dev/vdb") &&
                t.textContent.includes("192.0.2.10");
        }, { timeout: STEP_TIMEOUT });
    });

    await step(page, "a backup made elsewhere shows as a row of its own", async () => {
        const volumePath = await page.$eval(row("[data-name=outside]"), r => r.dataset.path);
        const r = gdbus(["-o", volumePath, "-m", BUS + ".Volume.Backup", "{'name': <'nightly'>}"]);
        if (r.status !== 0)
            throw new Error("Backup: " + r.out);
        await page.waitForSelector(row("[data-kind=backup][data-name=nightly][data-status=available]"), { timeout: STEP_TIMEOUT });
    });

    await step(page, "screenshot of the overview", async () => {
        await selectRow(page, "[data-name=data1]");
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, "overview", true);
    });

    await step(page, "filter and sort the table", async () => {
        await page.type("#nv-filter", "snap1");
        await page.waitForFunction(() => {
            const rows = document.querySelectorAll("#nv-objects tbody tr");
            return rows.length === 1 && rows[0].dataset.name === "snap1";
        }, { timeout: STEP_TIMEOUT });
        await typeInto(page, "#nv-filter", "");
        await page.$eval("#nv-filter", e => e.dispatchEvent(new Event("input")));
        await page.select("#nv-kind-filter", "volume");
        await page.waitForFunction(() => [...document.querySelectorAll("#nv-objects tbody tr")].every(r => r.dataset.kind === "volume"),
                                   { timeout: STEP_TIMEOUT });
        await clickIn(page, "#nv-objects th[data-sort=name]");
        let names = await page.$$eval("#nv-objects tbody tr", rows => rows.map(r => r.dataset.name));
        if (names.join(",") !== "data1,outside")
            throw new Error("sorted by name: " + names.join(","));
        await clickIn(page, "#nv-objects th[data-sort=name]");
        names = await page.$$eval("#nv-objects tbody tr", rows => rows.map(r => r.dataset.name));
        if (names.join(",") !== "outside,data1")
            throw new Error("sorted by name, descending: " + names.join(","));
        await page.select("#nv-kind-filter", "");
    });

    await step(page, "detach it: available again", async () => {
        await selectRow(page, "[data-name=data1]");
        await clickAction(page, "Detach");
        await applyDialog(page);
        await dialogClosed(page);
        await page.waitForSelector(row("[data-name=data1][data-status=available]"), { timeout: STEP_TIMEOUT });
        const volumePath = await page.$eval(row("[data-name=data1]"), r => r.dataset.path);
        const c = gdbus(["-o", volumePath, "-m", BUS + ".Volume.TerminateConnection", connector]);
        if (c.status !== 0)
            throw new Error("TerminateConnection: " + c.out);
    });

    await step(page, "a clone runs as a Job with a progress bar; Cancel stops it and the clone goes", async () => {
        await page.click("#nv-create");
        await page.waitForSelector("#nv-dialog-backdrop:not([hidden])", { timeout: STEP_TIMEOUT });
        await page.type("#nv-create-name", "big");
        await typeInto(page, "#nv-create-size", "10");
        await page.select("#nv-create-size-unit", String(1024 * GiB));
        await page.select("#nv-create-backend", "held");
        await applyDialog(page);
        await dialogClosed(page);
        await selectRow(page, "[data-name=big][data-status=available]");
        await clickAction(page, "Clone");
        await page.type("#nv-create-name", "big-copy");
        await applyDialog(page);
        /* the copy is held: the dialog closes and the Job shows */
        await dialogClosed(page);
        await page.waitForSelector(".nv-job[data-operation=volume-clone][data-progress='50']", { timeout: STEP_TIMEOUT });
        await page.waitForSelector(row("[data-name=big-copy]"), { timeout: STEP_TIMEOUT });
        await page.evaluate(() => window.scrollTo(0, 0));
        await screenshot(page, "running-job");
        await clickIn(page, ".nv-job[data-operation=volume-clone] button");
        await page.waitForFunction(() => document.querySelectorAll(".nv-job").length === 0, { timeout: STEP_TIMEOUT });
        await page.waitForFunction(() => !document.querySelector("#nv-objects tbody tr[data-name=big-copy]"), { timeout: STEP_TIMEOUT });
        await page.waitForSelector(".nv-alert[data-error='" + BUS + ".Error.Cancelled']", { timeout: STEP_TIMEOUT });
    });

    await step(page, "a refused delete shows the daemon's NotAuthorized message, and the volume stays", async () => {
        polkitResult("manage-volumes", "no");
        const volumePath = await page.$eval(row("[data-name=data1]"), r => r.dataset.path);
        await selectRow(page, "[data-name=data1]");
        await clickAction(page, "Delete");
        const question = await text(page, "#nv-dialog-title") + " " + await text(page, "#nv-delete-text");
        if (!question.includes("data1"))
            throw new Error("the confirmation does not name the volume: " + question);
        await applyDialog(page);
        await page.waitForSelector("#nv-dialog-error:not([hidden])", { timeout: STEP_TIMEOUT });
        const shown = await text(page, "#nv-dialog-error");
        const name = await page.$eval("#nv-dialog-error", e => e.dataset.error || "");
        if (name !== BUS + ".Error.NotAuthorized")
            throw new Error("error " + name + ": " + shown);
        /* the same call from gdbus as nobody: the same words */
        const r = gdbus(["-o", volumePath, "-m", BUS + ".Volume.Delete", "{}"], "nobody");
        console.log("# the page shows: " + shown);
        if (r.status === 0 || !r.out.includes(shown))
            throw new Error("the page says \u201c" + shown + "\u201d, gdbus as nobody: " + r.out);
        await page.click("#nv-dialog-cancel");
        await dialogClosed(page);
        polkitResult("manage-volumes", "yes");
        await page.waitForSelector(row("[data-name=data1][data-status=available]"), { timeout: STEP_TIMEOUT });
    });

    await step(page, "delete the snapshot, then the volume, each after a confirmation naming it", async () => {
        await selectRow(page, "[data-name=snap1]");
        await clickAction(page, "Delete");
        if (!(await text(page, "#nv-dialog-title")).includes("snap1"))
            throw new Error("the confirmation does not name the snapshot");
        await applyDialog(page);
        await dialogClosed(page);
        await page.waitForFunction(() => !document.querySelector("#nv-objects tbody tr[data-name=snap1]"), { timeout: STEP_TIMEOUT });
        await selectRow(page, "[data-name=data1]");
        await clickAction(page, "Delete");
        if (!(await text(page, "#nv-dialog-title")).includes("\u201cdata1\u201d"))
            throw new Error("the confirmation does not name the volume");
        await applyDialog(page);
        await dialogClosed(page);
        await page.waitForFunction(() => !document.querySelector("#nv-objects tbody tr[data-name=data1]"), { timeout: STEP_TIMEOUT });
        const r = gdbus(["-o", ROOT, "-m", "org.freedesktop.DBus.ObjectManager.GetManagedObjects"]);
        if (r.out.includes("'data1'"))
            throw new Error("the daemon still has data1");
    });
}

main().then(() => {
    console.log("1.." + n);
    process.exit(failures === 0 ? 0 : 1);
}, ex => {
    notOk("the browser ran", ex && ex.stack ? ex.stack : ex);
    console.log("1.." + n);
    process.exit(1);
});
