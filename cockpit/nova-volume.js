/* nova-volume's Cockpit page: org.openstack.Volume1 on the system bus, in
 * plain JS on Cockpit's own cockpit.js (no build step).
 *
 * Everything shown comes from the daemon's ObjectManager at
 * /org/openstack/Volume1 through cockpit.dbus proxies, which follow its
 * InterfacesAdded/InterfacesRemoved and PropertiesChanged signals: the page
 * never polls. Every change is one D-Bus call with superuser "try", so the
 * daemon and polkit decide (with Cockpit's administrative access when the
 * user turned it on), and a refusal or failure is shown in the daemon's
 * own words (the D-Bus error message). Strings from the daemon go into the
 * page as text, never as HTML. */
"use strict";

(function () {
    const BUS_NAME = "org.openstack.Volume1";
    const ROOT = "/org/openstack/Volume1";
    const MANAGER_PATH = ROOT + "/Manager";
    const I_MANAGER = BUS_NAME + ".Manager";
    const I_VOLUME = BUS_NAME + ".Volume";
    const I_SNAPSHOT = BUS_NAME + ".Snapshot";
    const I_BACKUP = BUS_NAME + ".Backup";
    const I_BACKEND = BUS_NAME + ".Backend";
    const I_JOB = BUS_NAME + ".Job";
    const I_ATTACHMENT = BUS_NAME + ".Attachment";
    const NO_OBJECT = "/";

    const MiB = 1024 * 1024;
    const GiB = 1024 * MiB;
    const UNITS = [["MiB", MiB], ["GiB", GiB], ["TiB", 1024 * GiB]];
    /* a dialog whose call takes longer than this closes, and the call goes
     * on: its Job shows how far it is, and a failure becomes an alert */
    const DIALOG_WAIT_MS = 1500;
    /* connector keys that could hold a secret are never shown (the daemon
     * strips them already; this is a second line) */
    const SECRET_KEY = /pass|secret|auth_|chap|key|token/i;

    const JOB_OPERATIONS = {
        "volume-clone": "Cloning a volume",
        "volume-create-from-snapshot": "Creating a volume from a snapshot",
        "image-import": "Importing an image",
        "image-export": "Exporting an image",
        "volume-migrate": "Migrating a volume",
        "backup-create": "Backing up",
        "backup-restore": "Restoring a backup",
        "backup-verify": "Verifying a backup",
        "volume-clear": "Clearing a volume",
        "volume-copy": "Copying a volume",
    };

    let client = null;
    let manager = null;
    const sets = {};
    const view = {
        sortKey: "created",
        sortDir: -1,
        filter: "",
        kind: "",
        selected: null,
    };
    let renderPending = false;

    /* ---- small helpers ------------------------------------------------ */

    function $(id) {
        return document.getElementById(id);
    }

    /* el("tag", { attr: value, className, dataset: {}, onclick }, child...) */
    function el(tag, attrs) {
        const node = document.createElement(tag);
        const props = attrs || {};
        for (const name of Object.keys(props)) {
            const value = props[name];
            if (value === undefined || value === null || value === false)
                continue;
            if (name === "className")
                node.className = value;
            else if (name === "dataset")
                Object.assign(node.dataset, value);
            else if (name.startsWith("on"))
                node.addEventListener(name.slice(2), value);
            else if (name === "text")
                node.textContent = value;
            else
                node.setAttribute(name, value === true ? "" : String(value));
        }
        for (let i = 2; i < arguments.length; i++) {
            const child = arguments[i];
            if (child === null || child === undefined || child === false)
                continue;
            node.append(child instanceof Node ? child : document.createTextNode(String(child)));
        }
        return node;
    }

    function formatBytes(bytes) {
        const units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        let value = Number(bytes) || 0;
        let i = 0;
        while (value >= 1024 && i < units.length - 1) {
            value /= 1024;
            i++;
        }
        return i === 0 ? value + " bytes" : value.toFixed(1) + " " + units[i];
    }

    /* the filled part of a bar; its width set through the CSSOM (Cockpit's
     * content security policy refuses style attributes) */
    function barFill(percent) {
        const fill = el("div");
        fill.style.width = Math.min(Math.max(percent, 0), 100).toFixed(1) + "%";
        return fill;
    }

    function formatTime(usec) {
        if (!usec)
            return "";
        const d = new Date(Number(usec) / 1000);
        const pad = n => String(n).padStart(2, "0");
        return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
            pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    }

    function shortId(id) {
        return id ? id.slice(0, 8) : "";
    }

    /* the message a person reads: the daemon's own, as it worded it */
    function errorText(ex) {
        if (!ex)
            return "Unknown error";
        if (ex.message)
            return ex.message;
        if (ex.problem)
            return "Cockpit could not reach nova-volumed: " + ex.problem;
        return String(ex);
    }

    function isCancelled(ex) {
        return ex && ex.name === BUS_NAME + ".Error.Cancelled";
    }

    function alertBox(title, text, info) {
        const box = el("div", { className: "nv-alert" + (info ? " nv-info" : ""), role: info ? "status" : "alert",
                                dataset: { title } },
                       el("div", null, el("strong", { text: title }), el("span", { className: "nv-alert-message", text })),
                       el("button", { type: "button", "aria-label": "Dismiss", text: "\u00d7", onclick: () => box.remove() }));
        return box;
    }

    function showAlert(title, ex) {
        const info = isCancelled(ex);
        const box = alertBox(title, errorText(ex), info);
        if (ex && ex.name)
            box.dataset.error = ex.name;
        $("nv-alerts").append(box);
    }

    function data(proxy) {
        return (proxy && proxy.data) || {};
    }

    function proxyAt(setName, path) {
        const set = sets[setName];
        if (!set || !path || path === NO_OBJECT)
            return null;
        const proxy = set[path];
        return proxy && proxy.valid !== false ? proxy : null;
    }

    function eachProxy(setName, fn) {
        const set = sets[setName];
        if (!set)
            return;
        for (const path of Object.keys(set)) {
            const proxy = set[path];
            if (proxy && proxy.valid !== false && proxy.data && Object.keys(proxy.data).length > 0)
                fn(path, proxy.data);
        }
    }

    function nameOf(path) {
        for (const setName of ["volumes", "snapshots", "backups"]) {
            const proxy = proxyAt(setName, path);
            if (proxy)
                return data(proxy).Name || shortId(data(proxy).Id);
        }
        return path;
    }

    function call(path, iface, method, signature, args) {
        return client.call(path, iface, method, args, { type: signature });
    }

    function str(value) {
        return { t: "s", v: value };
    }

    /* ---- rendering ---------------------------------------------------- */

    function scheduleRender() {
        if (renderPending)
            return;
        renderPending = true;
        window.requestAnimationFrame(() => {
            renderPending = false;
            render();
        });
    }

    function render() {
        renderManager();
        renderBackends();
        renderJobs();
        renderTable();
        renderDetails();
    }

    function renderManager() {
        const m = data(manager);
        const line = $("nv-manager");
        if (manager && manager.valid) {
            line.textContent = "nova-volumed " + (m.Version || "") + " on " + (m.Host || "this host") +
                " \u00b7 availability zone " + (m.AvailabilityZone || "");
            for (const warning of m.Warnings || [])
                line.append(el("span", { className: "nv-state-down", text: " \u00b7 " + warning }));
        }
    }

    function renderBackends() {
        const box = $("nv-backends");
        const items = [];
        eachProxy("backends", (path, b) => items.push({ path, b }));
        items.sort((x, y) => String(x.b.Name).localeCompare(String(y.b.Name)));
        box.replaceChildren();
        if (items.length === 0) {
            box.append(el("p", { className: "nv-muted", text: "No backends." }));
            return;
        }
        for (const { path, b } of items) {
            const total = Number(b.TotalCapacity) || 0;
            const free = Number(b.FreeCapacity) || 0;
            const used = Math.max(total - free, 0);
            const fraction = total > 0 ? used / total : 0;
            const bar = el("div", { className: "nv-bar" + (fraction > 0.95 ? " nv-full" : fraction > 0.8 ? " nv-warn" : ""),
                                    role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100,
                                    "aria-valuenow": Math.round(fraction * 100),
                                    "aria-label": "Used space of " + b.Name },
                           barFill(fraction * 100));
            const up = b.State === "up";
            box.append(el("div", { className: "nv-backend", dataset: { path, backend: b.Name || "" } },
                          el("div", { className: "nv-backend-head" },
                             el("span", { className: "nv-name", text: b.Name }),
                             el("span", { className: up ? "nv-muted" : "nv-state-down",
                                          text: [b.Driver, b.StorageProtocol, b.ThinProvisioning ? "thin" : "",
                                                 up ? "" : (b.State || "down") + (b.StateReason ? ": " + b.StateReason : "")]
                                              .filter(Boolean).join(" \u00b7 ") })),
                          bar,
                          el("div", { className: "nv-bar-legend" },
                             el("span", { text: total > 0 ? formatBytes(used) + " used of " + formatBytes(total) : "capacity unknown" }),
                             el("span", { text: formatBytes(free) + " free" })),
                          el("div", { className: "nv-bar-legend" },
                             el("span", { text: formatBytes(b.ProvisionedCapacity) + " provisioned to volumes" }))));
        }
    }

    function renderJobs() {
        const box = $("nv-jobs");
        const items = [];
        eachProxy("jobs", (path, j) => items.push({ path, j }));
        items.sort((x, y) => (Number(x.j.StartedAt) || 0) - (Number(y.j.StartedAt) || 0));
        box.replaceChildren();
        if (items.length === 0) {
            box.append(el("p", { className: "nv-muted", text: "Nothing is running." }));
            return;
        }
        for (const { path, j } of items) {
            const progress = Math.min(Math.max(Number(j.Progress) || 0, 0), 1);
            const percent = Math.round(progress * 100);
            const objects = (j.Objects || []).map(nameOf).join(", ");
            const facts = [percent + " %"];
            if (Number(j.Bytes) > 0)
                facts.push(formatBytes(progress * Number(j.Bytes)) + " of " + formatBytes(j.Bytes));
            if (Number(j.Rate) > 0)
                facts.push(formatBytes(j.Rate) + "/s");
            if (j.StartedAt)
                facts.push("started " + formatTime(j.StartedAt));
            const cancel = el("button", { type: "button", className: "nv-btn nv-small", text: "Cancel",
                                          disabled: j.Cancelable === false,
                                          title: j.Cancelable === false ? "This operation cannot be stopped" : null,
                                          "aria-label": "Cancel " + (JOB_OPERATIONS[j.Operation] || j.Operation),
                                          onclick: ev => cancelJob(ev.target, path, j) });
            box.append(el("div", { className: "nv-job", dataset: { path, operation: j.Operation || "", progress: percent } },
                          el("div", null,
                             el("span", { className: "nv-job-title", text: (JOB_OPERATIONS[j.Operation] || j.Operation) }),
                             objects ? el("span", { className: "nv-muted", text: " \u00b7 " + objects }) : null),
                          cancel,
                          el("div", { className: "nv-bar", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100,
                                      "aria-valuenow": percent },
                             barFill(percent)),
                          el("span", { className: "nv-muted", text: facts.join(" \u00b7 ") })));
        }
    }

    function cancelJob(button, path, j) {
        button.disabled = true;
        call(path, I_JOB, "Cancel", "a{sv}", [{}])
            .catch(ex => {
                button.disabled = false;
                showAlert("Cannot cancel " + (JOB_OPERATIONS[j.Operation] || j.Operation), ex);
            });
    }

    /* every volume, snapshot and backup as one row */
    function tableItems() {
        const items = [];
        eachProxy("volumes", (path, v) => items.push({
            kind: "volume", path, id: v.Id, name: v.Name, size: Number(v.Size) || 0, status: v.Status,
            backend: v.Backend, created: Number(v.CreatedAt) || 0,
        }));
        eachProxy("snapshots", (path, s) => items.push({
            kind: "snapshot", path, id: s.Id, name: s.Name, size: Number(s.Size) || 0, status: s.Status,
            backend: "of " + nameOf(s.Volume), created: Number(s.CreatedAt) || 0,
        }));
        eachProxy("backups", (path, b) => items.push({
            kind: "backup", path, id: b.Id, name: b.Name, size: Number(b.Size) || 0, status: b.Status,
            backend: "of " + (volumeNameById(b.Volume) || shortId(b.Volume)), created: Number(b.CreatedAt) || 0,
        }));
        return items;
    }

    function volumeNameById(id) {
        let found = null;
        eachProxy("volumes", (path, v) => {
            if (v.Id === id)
                found = v.Name || shortId(v.Id);
        });
        return found;
    }

    function matches(item) {
        if (view.kind && item.kind !== view.kind)
            return false;
        const needle = view.filter.trim().toLowerCase();
        if (!needle)
            return true;
        return [item.name, item.id, item.status, item.backend, item.kind]
            .some(field => String(field || "").toLowerCase().includes(needle));
    }

    function compare(a, b) {
        const key = view.sortKey;
        let x = a[key];
        let y = b[key];
        let result;
        if (typeof x === "number" && typeof y === "number")
            result = x - y;
        else
            result = String(x || "").localeCompare(String(y || ""), undefined, { numeric: true });
        if (result === 0)
            result = String(a.id).localeCompare(String(b.id));
        return result * view.sortDir;
    }

    function statusBadge(status) {
        const busy = /ing$/.test(status || "") && status !== "restoring-backup" ? " nv-busy" : "";
        return el("span", { className: "nv-status nv-status-" + status + busy, text: status });
    }

    function renderTable() {
        const all = tableItems();
        const items = all.filter(matches).sort(compare);
        const body = $("nv-objects").tBodies[0];
        body.replaceChildren();
        for (const item of items) {
            const row = el("tr", { className: item.path === view.selected ? "nv-selected" : "",
                                   dataset: { path: item.path, kind: item.kind, name: item.name || "", status: item.status || "", id: item.id },
                                   tabindex: 0,
                                   onclick: () => select(item.path),
                                   onkeydown: ev => { if (ev.key === "Enter") select(item.path) } },
                           el("td", { text: item.name || "(no name)", className: item.name ? null : "nv-muted" }),
                           el("td", { text: item.kind }),
                           el("td", { className: "nv-id", text: shortId(item.id), title: item.id }),
                           el("td", { className: "nv-num", text: formatBytes(item.size) }),
                           el("td", null, statusBadge(item.status)),
                           el("td", { text: item.backend || "" }),
                           el("td", { className: "nv-num", text: formatTime(item.created) }));
            body.append(row);
        }
        for (const th of $("nv-objects").tHead.rows[0].cells)
            th.setAttribute("aria-sort", th.dataset.sort === view.sortKey ? (view.sortDir > 0 ? "ascending" : "descending") : "none");
        const empty = $("nv-empty");
        empty.hidden = items.length > 0;
        empty.textContent = all.length === 0 ? "No volumes yet." : "Nothing matches the filter.";
    }

    function select(path) {
        view.selected = path;
        scheduleRender();
    }

    function dlRow(list, term, value) {
        if (value === undefined || value === null || value === "")
            return;
        list.append(el("dt", { text: term }), el("dd", null, value));
    }

    function kvTable(obj, label) {
        const keys = Object.keys(obj || {}).sort();
        if (keys.length === 0)
            return el("span", { className: "nv-muted", text: "none" });
        const table = el("table", { className: "nv-subtable", "aria-label": label });
        for (const key of keys) {
            let value = obj[key];
            if (value && typeof value === "object" && "v" in value)
                value = value.v;
            table.append(el("tr", null, el("th", { text: key }),
                            el("td", { className: "nv-mono", text: typeof value === "object" ? JSON.stringify(value) : String(value) })));
        }
        return table;
    }

    function withoutSecrets(connector) {
        const out = {};
        for (const key of Object.keys(connector || {}))
            if (!SECRET_KEY.test(key))
                out[key] = connector[key];
        return out;
    }

    function actionButton(label, onclick, opts) {
        const o = opts || {};
        return el("button", { type: "button", className: "nv-btn" + (o.danger ? " nv-danger" : ""), text: label,
                              disabled: o.disabled, title: o.title, onclick });
    }

    function renderDetails() {
        const section = $("nv-details");
        const path = view.selected;
        const volume = proxyAt("volumes", path);
        const snapshot = proxyAt("snapshots", path);
        const backup = proxyAt("backups", path);
        if (!volume && !snapshot && !backup) {
            section.hidden = true;
            return;
        }
        section.hidden = false;
        section.dataset.path = path;
        const list = $("nv-details-list");
        const actions = $("nv-actions");
        const extra = $("nv-details-extra");
        list.replaceChildren();
        actions.replaceChildren();
        extra.replaceChildren();
        extra.className = "nv-extra";

        if (volume) {
            const v = data(volume);
            $("nv-details-title").textContent = "Volume " + (v.Name || v.Id);
            section.dataset.status = v.Status;
            dlRow(list, "Status", statusBadge(v.Status));
            dlRow(list, "Status reason", v.StatusReason);
            dlRow(list, "ID", el("code", { text: v.Id }));
            dlRow(list, "Size", formatBytes(v.Size) + " (" + v.Size + " bytes)");
            dlRow(list, "Backend", v.Backend + (v.Driver ? " (" + v.Driver + ")" : ""));
            dlRow(list, "Availability zone", v.AvailabilityZone);
            dlRow(list, "Description", v.Description);
            if (v.SourceSnapshot && v.SourceSnapshot !== NO_OBJECT)
                dlRow(list, "From snapshot", nameOf(v.SourceSnapshot));
            if (v.SourceVolume && v.SourceVolume !== NO_OBJECT)
                dlRow(list, "Cloned from", nameOf(v.SourceVolume));
            dlRow(list, "Multiattach", v.Multiattach ? "yes" : "no");
            dlRow(list, "Provider location", v.ProviderLocation ? el("code", { text: v.ProviderLocation }) : "");
            dlRow(list, "Created", formatTime(v.CreatedAt));

            extra.append(el("h3", { text: "Attachments and connections" }));
            const attachments = (v.Attachments || []).map(p => ({ path: p, a: data(proxyAt("attachments", p)) }));
            if (attachments.length === 0) {
                extra.append(el("p", { className: "nv-muted", text: "Not attached." }));
            } else {
                const table = el("table", { className: "nv-subtable", id: "nv-attachments" },
                                 el("tr", null, ...["Instance", "Device", "Host", "Mode", "Attached", "Connector"].map(h => el("th", { text: h }))));
                for (const { path: apath, a } of attachments)
                    table.append(el("tr", { dataset: { path: apath } },
                                    el("td", { className: "nv-mono", text: a.InstanceUuid || "" }),
                                    el("td", { text: a.Mountpoint || "" }),
                                    el("td", { text: a.Host || "" }),
                                    el("td", { text: a.Mode || "" }),
                                    el("td", { text: formatTime(a.AttachedAt) }),
                                    el("td", null, kvTable(withoutSecrets(a.Connector), "Connector"))));
                extra.append(table);
            }
            extra.append(el("h3", { text: "Metadata" }), kvTable(v.Metadata, "Metadata"));

            const inUse = v.Status === "in-use";
            const settled = v.Status === "available" || inUse;
            actions.append(
                actionButton("Snapshot", () => snapshotDialog(path, v), { disabled: !settled }),
                actionButton("Extend", () => extendDialog(path, v), { disabled: !settled }),
                actionButton("Clone", () => createDialog({ clone: path }), { disabled: v.Status !== "available" }),
                actionButton("Attach", () => attachDialog(path, v),
                             { disabled: !(v.Status === "available" || (inUse && v.Multiattach)) }),
                actionButton("Detach", () => detachDialog(path, v), { disabled: !inUse }),
                actionButton("Delete", () => deleteDialog(path, "volume", v), { danger: true }));
        } else if (snapshot) {
            const s = data(snapshot);
            $("nv-details-title").textContent = "Snapshot " + (s.Name || s.Id);
            section.dataset.status = s.Status;
            dlRow(list, "Status", statusBadge(s.Status));
            dlRow(list, "Status reason", s.StatusReason);
            dlRow(list, "ID", el("code", { text: s.Id }));
            dlRow(list, "Volume", nameOf(s.Volume));
            dlRow(list, "Size", formatBytes(s.Size) + " (" + s.Size + " bytes)");
            dlRow(list, "Progress", Math.round((Number(s.Progress) || 0) * 100) + " %");
            dlRow(list, "Description", s.Description);
            dlRow(list, "Created", formatTime(s.CreatedAt));
            actions.append(
                actionButton("Create volume", () => createDialog({ snapshot: path }), { disabled: s.Status !== "available" }),
                actionButton("Delete", () => deleteDialog(path, "snapshot", s), { danger: true }));
        } else {
            const b = data(backup);
            $("nv-details-title").textContent = "Backup " + (b.Name || b.Id);
            section.dataset.status = b.Status;
            dlRow(list, "Status", statusBadge(b.Status));
            dlRow(list, "Status reason", b.StatusReason);
            dlRow(list, "ID", el("code", { text: b.Id }));
            dlRow(list, "Volume", volumeNameById(b.Volume) || b.Volume);
            dlRow(list, "Snapshot", b.Snapshot);
            dlRow(list, "Size", formatBytes(b.Size));
            dlRow(list, "Stored", formatBytes(b.StoredBytes));
            dlRow(list, "Incremental to", b.Parent && b.Parent !== NO_OBJECT ? nameOf(b.Parent) : "full backup");
            dlRow(list, "Repository", b.Repository);
            dlRow(list, "Description", b.Description);
            dlRow(list, "Created", formatTime(b.CreatedAt));
            actions.append(actionButton("Delete", () => deleteDialog(path, "backup", b), { danger: true }));
        }
    }

    /* ---- dialogs ------------------------------------------------------ */

    let dialogApply = null;

    function closeDialog() {
        $("nv-dialog-backdrop").hidden = true;
        $("nv-dialog-body").replaceChildren();
        dialogApply = null;
    }

    /* opts: title, apply (label), danger, body (nodes), run (returns a
     * promise of the call; its error is shown in the dialog), what (the
     * alert's title when the call fails after the dialog closed) */
    function openDialog(opts) {
        $("nv-dialog-title").textContent = opts.title;
        $("nv-dialog-body").replaceChildren(...opts.body);
        const error = $("nv-dialog-error");
        error.hidden = true;
        error.textContent = "";
        const apply = $("nv-dialog-apply");
        apply.textContent = opts.apply;
        apply.disabled = false;
        apply.className = "nv-btn " + (opts.danger ? "nv-danger" : "nv-primary");
        $("nv-dialog").dataset.dialog = opts.id || "";
        dialogApply = opts;
        $("nv-dialog-backdrop").hidden = false;
        const first = $("nv-dialog-body").querySelector("input, select");
        (first || apply).focus();
    }

    function onDialogSubmit(ev) {
        ev.preventDefault();
        const opts = dialogApply;
        if (!opts)
            return;
        const error = $("nv-dialog-error");
        const apply = $("nv-dialog-apply");
        let promise;
        try {
            promise = Promise.resolve(opts.run());
        } catch (ex) {
            promise = Promise.reject(ex);
        }
        error.hidden = true;
        apply.disabled = true;
        apply.replaceChildren(el("span", { className: "nv-spinner" }), opts.busy || opts.apply);
        let closed = false;
        const timer = window.setTimeout(() => {
            /* a long copy goes on as a Job: close, report the end as an alert */
            if (dialogApply === opts) {
                closed = true;
                closeDialog();
            }
        }, DIALOG_WAIT_MS);
        promise.then(result => {
            window.clearTimeout(timer);
            if (dialogApply === opts)
                closeDialog();
            if (opts.done)
                opts.done(result);
        }, ex => {
            window.clearTimeout(timer);
            if (!closed && dialogApply === opts) {
                apply.disabled = false;
                apply.textContent = opts.apply;
                error.textContent = errorText(ex);
                if (ex && ex.name)
                    error.dataset.error = ex.name;
                error.hidden = false;
            } else {
                showAlert(opts.what || opts.title, ex);
            }
        });
    }

    function field(label, control, hint) {
        const id = control.id || ("nv-f-" + Math.random().toString(36).slice(2));
        control.id = id;
        return el("div", { className: "nv-field" }, el("label", { for: id, text: label }), control,
                  hint ? el("span", { className: "nv-hint", text: hint }) : null);
    }

    function sizeInput(id, bytes) {
        const number = el("input", { id, type: "text", inputmode: "decimal", name: id, autocomplete: "off" });
        const unit = el("select", { id: id + "-unit", "aria-label": "Unit" },
                        ...UNITS.map(([name, factor]) => el("option", { value: factor, text: name })));
        let chosen = UNITS[1];
        if (bytes) {
            for (const u of UNITS)
                if (bytes >= u[1])
                    chosen = u;
            number.value = String(Math.round(bytes / chosen[1] * 100) / 100);
        }
        unit.value = String(chosen[1]);
        const box = el("div", { className: "nv-size" }, number, unit);
        box.read = () => {
            const text = number.value.trim();
            if (text === "")
                return 0;
            if (!/^\d+(\.\d+)?$/.test(text))
                throw new Error("The size \u201c" + text + "\u201d is not a number.");
            return Math.round(parseFloat(text) * Number(unit.value));
        };
        box.id = id + "-box";
        return box;
    }

    function options(values, selected) {
        return values.map(([value, label]) => el("option", { value, text: label, selected: value === selected }));
    }

    function createDialog(preset) {
        const p = preset || {};
        const name = el("input", { id: "nv-create-name", type: "text", autocomplete: "off" });
        const size = sizeInput("nv-create-size", p.clone || p.snapshot ? 0 : GiB);
        const snapshots = [["", "(none: a blank volume)"]];
        eachProxy("snapshots", (path, s) => { if (s.Status === "available") snapshots.push([path, (s.Name || shortId(s.Id)) + " of " + nameOf(s.Volume)]) });
        const volumes = [["", "(none)"]];
        eachProxy("volumes", (path, v) => { if (v.Status === "available") volumes.push([path, v.Name || shortId(v.Id)]) });
        const source = el("select", { id: "nv-create-source" },
                          el("option", { value: "blank", text: "Empty volume" }),
                          el("option", { value: "snapshot", text: "From a snapshot" }),
                          el("option", { value: "clone", text: "Clone of a volume" }));
        const snapshot = el("select", { id: "nv-create-snapshot" }, ...options(snapshots, p.snapshot || ""));
        const volume = el("select", { id: "nv-create-volume" }, ...options(volumes, p.clone || ""));
        const backends = [["", "Automatic (the default type, else most free space)"]];
        eachProxy("backends", (path, b) => backends.push([b.Name, b.Name + " (" + b.Driver + (b.State === "up" ? "" : ", " + b.State) + ")"]));
        const backend = el("select", { id: "nv-create-backend" }, ...options(backends, ""));
        const type = el("input", { id: "nv-create-type", type: "text", autocomplete: "off", placeholder: "a [type:NAME] of the configuration" });
        const snapshotField = field("Snapshot", snapshot);
        const volumeField = field("Source volume", volume);
        const placementFields = [field("Backend", backend), field("Volume type", type, "Backend or type, not both; a copy stays on its source's backend.")];
        source.value = p.snapshot ? "snapshot" : p.clone ? "clone" : "blank";
        const sync = () => {
            snapshotField.hidden = source.value !== "snapshot";
            volumeField.hidden = source.value !== "clone";
            for (const f of placementFields)
                f.hidden = source.value !== "blank";
        };
        source.addEventListener("change", sync);
        sync();

        openDialog({
            id: "create",
            title: "Create volume",
            apply: "Create",
            busy: "Creating",
            what: "Creating the volume failed",
            body: [
                field("Name", name),
                field("Size", size, "Empty: the source's size (from a snapshot or a clone)."),
                field("Source", source),
                snapshotField,
                volumeField,
                ...placementFields,
            ],
            run: () => {
                const bytes = size.read();
                const opts = {};
                if (name.value.trim() !== "")
                    opts.name = str(name.value.trim());
                if (source.value === "snapshot") {
                    if (!snapshot.value)
                        throw new Error("Choose the snapshot to create the volume from.");
                    opts.snapshot = { t: "o", v: snapshot.value };
                } else if (source.value === "clone") {
                    if (!volume.value)
                        throw new Error("Choose the volume to clone.");
                    opts["source-volume"] = { t: "o", v: volume.value };
                } else {
                    if (bytes === 0)
                        throw new Error("Give the size of the new volume.");
                    if (backend.value)
                        opts.backend = str(backend.value);
                    if (type.value.trim() !== "")
                        opts.type = str(type.value.trim());
                }
                return call(MANAGER_PATH, I_MANAGER, "CreateVolume", "ta{sv}", [bytes, opts]);
            },
            done: result => { if (result && result[0]) select(result[0]) },
        });
    }

    function snapshotDialog(path, v) {
        const name = el("input", { id: "nv-snapshot-name", type: "text", autocomplete: "off" });
        const force = el("input", { id: "nv-snapshot-force", type: "checkbox" });
        const body = [field("Name", name)];
        if (v.Status === "in-use")
            body.push(field("Force", force, "The volume is in use: the snapshot may not be crash-consistent."));
        openDialog({
            id: "snapshot",
            title: "Snapshot of " + (v.Name || v.Id),
            apply: "Create snapshot",
            busy: "Creating snapshot",
            what: "The snapshot of " + (v.Name || v.Id) + " failed",
            body,
            run: () => {
                const opts = {};
                if (name.value.trim() !== "")
                    opts.name = str(name.value.trim());
                if (force.checked)
                    opts.force = { t: "b", v: true };
                return call(path, I_VOLUME, "CreateSnapshot", "a{sv}", [opts]);
            },
        });
    }

    function extendDialog(path, v) {
        const size = sizeInput("nv-extend-size", Number(v.Size) + GiB);
        openDialog({
            id: "extend",
            title: "Extend " + (v.Name || v.Id),
            apply: "Extend",
            busy: "Extending",
            what: "Extending " + (v.Name || v.Id) + " failed",
            body: [field("New size", size, "Now " + formatBytes(v.Size) + "; a volume only grows.")],
            run: () => call(path, I_VOLUME, "Extend", "ta{sv}", [size.read(), {}]),
        });
    }

    function newUuid() {
        if (window.crypto && window.crypto.randomUUID)
            return window.crypto.randomUUID();
        const b = new Uint8Array(16);
        window.crypto.getRandomValues(b);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        const h = Array.from(b, x => x.toString(16).padStart(2, "0")).join("");
        return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
    }

    function attachDialog(path, v) {
        const instance = el("input", { id: "nv-attach-instance", type: "text", autocomplete: "off", value: newUuid(), class: "nv-mono", size: 38 });
        const mountpoint = el("input", { id: "nv-attach-mountpoint", type: "text", autocomplete: "off", value: "/dev/vdb" });
        const host = el("input", { id: "nv-attach-host", type: "text", autocomplete: "off", placeholder: "the hypervisor host" });
        const mode = el("select", { id: "nv-attach-mode" }, ...options([["rw", "Read and write"], ["ro", "Read only"]], "rw"));
        openDialog({
            id: "attach",
            title: "Attach " + (v.Name || v.Id),
            apply: "Attach",
            busy: "Attaching",
            what: "Attaching " + (v.Name || v.Id) + " failed",
            body: [field("Instance UUID", instance), field("Device", mountpoint), field("Host", host), field("Mode", mode)],
            run: () => {
                const opts = { mode: str(mode.value) };
                if (host.value.trim() !== "")
                    opts.host = str(host.value.trim());
                return call(path, I_VOLUME, "Attach", "ssa{sv}", [instance.value.trim(), mountpoint.value.trim(), opts]);
            },
        });
    }

    function detachDialog(path, v) {
        const attachments = v.Attachments || [];
        const radios = attachments.map((apath, i) => {
            const a = data(proxyAt("attachments", apath));
            return el("label", null,
                      el("input", { type: "radio", name: "nv-detach-which", value: apath, checked: i === 0 }),
                      " " + (a.InstanceUuid || apath) + (a.Mountpoint ? " as " + a.Mountpoint : "") + (a.Host ? " on " + a.Host : ""));
        });
        openDialog({
            id: "detach",
            title: "Detach " + (v.Name || v.Id),
            apply: "Detach",
            busy: "Detaching",
            what: "Detaching " + (v.Name || v.Id) + " failed",
            body: attachments.length > 1 ? [field("Attachment", el("div", { className: "nv-radios" }, ...radios))]
                : [el("p", { text: "Detach " + (v.Name || v.Id) + " from its instance?" })],
            run: () => {
                const opts = {};
                if (attachments.length > 1) {
                    const chosen = document.querySelector("input[name=nv-detach-which]:checked");
                    opts.attachment = { t: "o", v: chosen.value };
                }
                return call(path, I_VOLUME, "Detach", "a{sv}", [opts]);
            },
        });
    }

    function deleteDialog(path, kind, d) {
        const label = d.Name ? "\u201c" + d.Name + "\u201d" : d.Id;
        const iface = kind === "volume" ? I_VOLUME : kind === "snapshot" ? I_SNAPSHOT : I_BACKUP;
        const warning = kind === "volume" ? "Its data is gone for good." :
            kind === "snapshot" ? "Volumes made from it keep their data." :
                "Its chunks that no other backup uses are freed.";
        openDialog({
            id: "delete",
            title: "Delete " + kind + " " + label + "?",
            apply: "Delete",
            busy: "Deleting",
            danger: true,
            what: "Deleting " + kind + " " + label + " failed",
            body: [el("p", { id: "nv-delete-text", text: "This deletes the " + kind + " " + label + " (" + d.Id + "). " + warning })],
            run: () => call(path, iface, "Delete", "a{sv}", [{}]),
            done: () => { if (view.selected === path) view.selected = null },
        });
    }

    /* ---- start -------------------------------------------------------- */

    function watchSet(setName, iface) {
        const set = client.proxies(iface, ROOT, { watch: false });
        sets[setName] = set;
        set.addEventListener("added", scheduleRender);
        set.addEventListener("changed", scheduleRender);
        set.addEventListener("removed", (ev, proxy) => {
            if (proxy && view.selected === proxy.path)
                view.selected = null;
            scheduleRender();
        });
        return set.wait();
    }

    function start() {
        client = cockpit.dbus(BUS_NAME, { bus: "system", superuser: "try" });
        client.addEventListener("close", (ev, options) => {
            $("nv-page").dataset.state = "closed";
            showAlert("Lost the connection to nova-volumed", { problem: (options && options.problem) || "closed" });
        });
        /* one watch of the whole tree: the ObjectManager's signals keep
         * every set below current */
        client.watch({ path_namespace: ROOT });
        manager = client.proxy(I_MANAGER, MANAGER_PATH, { watch: false });
        manager.addEventListener("changed", scheduleRender);

        const waits = [
            watchSet("volumes", I_VOLUME),
            watchSet("snapshots", I_SNAPSHOT),
            watchSet("backups", I_BACKUP),
            watchSet("backends", I_BACKEND),
            watchSet("jobs", I_JOB),
            watchSet("attachments", I_ATTACHMENT),
            manager.wait(),
        ];
        Promise.all(waits.map(w => Promise.resolve(w).catch(() => null)))
            /* the daemon is there when its ObjectManager answers; else the
             * bus's own words say why not */
            .then(() => call(ROOT, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "", []))
            .then(() => {
                $("nv-page").dataset.state = "ready";
                $("nv-create").disabled = false;
                render();
            }, ex => {
                $("nv-page").dataset.state = "no-daemon";
                $("nv-manager").textContent = "nova-volumed is not running on the system bus.";
                showAlert("Cannot reach nova-volumed (start it: systemctl start nova-volumed)", ex);
                render();
            });

        $("nv-create").addEventListener("click", () => createDialog());
        $("nv-dialog-form").addEventListener("submit", onDialogSubmit);
        $("nv-dialog-cancel").addEventListener("click", closeDialog);
        document.addEventListener("keydown", ev => {
            if (ev.key === "Escape" && !$("nv-dialog-backdrop").hidden)
                closeDialog();
        });
        $("nv-filter").addEventListener("input", ev => {
            view.filter = ev.target.value;
            renderTable();
        });
        $("nv-kind-filter").addEventListener("change", ev => {
            view.kind = ev.target.value;
            renderTable();
        });
        for (const th of $("nv-objects").tHead.rows[0].cells) {
            th.tabIndex = 0;
            const sort = () => {
                if (view.sortKey === th.dataset.sort)
                    view.sortDir = -view.sortDir;
                else {
                    view.sortKey = th.dataset.sort;
                    view.sortDir = 1;
                }
                renderTable();
            };
            th.addEventListener("click", sort);
            th.addEventListener("keydown", ev => { if (ev.key === "Enter") sort() });
        }
        render();
    }

    document.addEventListener("DOMContentLoaded", () => {
        cockpit.translate();
        start();
    });
}());
