// xltools serve: send a step's form, follow its progress (Server-Sent Events), show the result.
// No framework, no build step; everything comes from this server (see the Content-Security-Policy).
"use strict";

const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

function formData(form) {
  // Files keep their folder path (a folder upload sends 报送文件/两路街道/x.xlsx), as the CLI sees them.
  const data = new FormData();
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === "file") {
      for (const f of el.files) data.append(el.name, f, f.webkitRelativePath || f.name);
    } else if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
      continue;
    } else if (el.tagName !== "BUTTON") {
      data.append(el.name, el.value);
    }
  }
  return data;
}

async function post(url, data) {
  const resp = await fetch(url, {method: "POST", body: data, headers: {"X-CSRF-Token": csrf()},
                                 credentials: "same-origin"});
  let body = {};
  try { body = await resp.json(); } catch (e) { body = {error: "服务返回了无法识别的内容（状态 " + resp.status + "）。"}; }
  if (!resp.ok && !body.error) body.error = "请求被拒绝（状态 " + resp.status + "）。";
  return body;
}

function showError(root, text) {
  const box = root.querySelector(".error");
  box.textContent = text;
  box.hidden = !text;
}

function runStep(form) {
  const root = form.parentElement;
  const run = root.querySelector(".run");
  const bar = run.querySelector("progress");
  const result = root.querySelector(".result");
  const button = form.querySelector('button[type="submit"]');
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    showError(root, "");
    result.innerHTML = "";
    run.hidden = false;
    bar.value = 0;
    run.querySelector(".percent").textContent = "0%";
    run.querySelector(".step").textContent = "正在上传…";
    run.querySelector(".counts").textContent = "";
    button.disabled = true;
    const started = await post("/run/" + form.dataset.op, formData(form));
    if (started.error) { showError(root, started.error); run.hidden = true; button.disabled = false; return; }
    const events = new EventSource(started.events);
    const update = (msg) => {
      const p = JSON.parse(msg.data);
      bar.value = p.percent;
      run.querySelector(".percent").textContent = p.percent + "%";
      run.querySelector(".step").textContent = p.step;
      run.querySelector(".counts").textContent = p.files_total
        ? "已处理 " + p.files_done + " / " + p.files_total + " 个文件，读入 " + p.rows + " 行" : "";
      return p;
    };
    events.addEventListener("progress", update);
    events.addEventListener("done", async (msg) => {
      events.close();
      update(msg);
      run.dataset.state = "done";
      const resp = await fetch(started.result, {credentials: "same-origin"});
      result.innerHTML = await resp.text();
      enhance(result);
      button.disabled = false;
    });
    events.addEventListener("failed", (msg) => {
      events.close();
      const p = JSON.parse(msg.data);
      run.hidden = true;
      showError(root, p.error);
      button.disabled = false;
    });
    events.onerror = () => {
      if (events.readyState === EventSource.CLOSED) { showError(root, "与服务的连接断开了；请确认 xltools serve 仍在运行。"); button.disabled = false; }
    };
  });
}

function filters(root) {
  for (const bar of root.querySelectorAll(".filters")) {
    const table = document.getElementById(bar.dataset.for);
    const rows = Array.from(table.tBodies[0].rows);
    const selects = Array.from(bar.querySelectorAll("select"));
    for (const sel of selects) {
      const col = Number(sel.dataset.col);
      const values = [...new Set(rows.map((r) => r.cells[col].textContent))].sort((a, b) => a.localeCompare(b, "zh"));
      for (const v of values) sel.add(new Option(v === "" ? "（空）" : v, v));
    }
    const apply = () => {
      let shown = 0;
      for (const r of rows) {
        const ok = selects.every((s) => s.selectedIndex === 0 || r.cells[Number(s.dataset.col)].textContent === s.value);
        r.hidden = !ok;
        shown += ok;
      }
      bar.querySelector(".shown").textContent = "显示 " + shown + " / " + rows.length + " 条";
    };
    for (const sel of selects) sel.addEventListener("change", apply);
    apply();
  }
}

function charts(root) {
  const data = root.querySelector("#stats-data");
  if (!data || !window.echarts) return;
  const tables = JSON.parse(data.textContent || "[]");
  for (const div of root.querySelectorAll(".chart")) {
    const [title, heads, rows] = tables[Number(div.dataset.index)];
    // one bar series per category column (the last column, 合计, is the sum of the others)
    const series = heads.slice(1, heads.length > 2 ? -1 : undefined).map((name, i) => ({
      name, type: "bar", stack: "total", data: rows.map((r) => Number(r[i + 1])),
    }));
    const chart = echarts.init(div, null, {renderer: "canvas"});
    chart.setOption({
      animation: false,
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {top: 0},
      grid: {left: 48, right: 16, top: 40, bottom: 32, containLabel: true},
      xAxis: {type: "category", data: rows.map((r) => r[0]), axisLabel: {interval: 0, rotate: rows.length > 6 ? 30 : 0}},
      yAxis: {type: "value", minInterval: 1},
      series,
    });
    window.addEventListener("resize", () => chart.resize());
  }
}

function enhance(root) {
  filters(root);
  charts(root);
}

function settingsForm(form) {
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const root = form.parentElement;
    showError(root, "");
    const body = await post("/settings", formData(form));
    root.querySelector(".saved").textContent = body.error ? "" : body.message;
    if (body.error) showError(root, body.error);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-op]").forEach(runStep);
  document.querySelectorAll("form[data-settings]").forEach(settingsForm);
  // a form pressed before this point would be sent by the browser itself (the page just reloads)
  document.querySelectorAll("form[data-op], form[data-settings]").forEach((f) => { f.dataset.ready = "1"; });
});
