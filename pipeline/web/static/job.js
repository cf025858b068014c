// Job page: poll the job's JSON every second and redraw the progress and the file table.
"use strict";
document.documentElement.classList.add("js");
(function () {
  const box = document.getElementById("job");
  if (!box || box.dataset.finished === "true") return;
  const STATUS = { queued: "Đang chờ", running: "Đang xử lý", done: "Hoàn tất", failed: "Có lỗi",
    interrupted: "Bị gián đoạn", reading: "Đang đọc", skipped: "Đã có từ trước" };

  function cell(row, content) {
    const td = document.createElement("td");
    if (content instanceof Node) td.appendChild(content); else td.textContent = content ?? "";
    row.appendChild(td);
    return td;
  }
  function badge(status) {
    const span = document.createElement("span");
    span.className = `badge badge-${status}`;
    span.textContent = STATUS[status] || status;
    return span;
  }
  function draw(job) {
    const status = document.getElementById("job-status");
    status.className = `badge badge-${job.status}`;
    status.textContent = STATUS[job.status] || job.status;
    const bar = document.getElementById("job-progress");
    const text = document.getElementById("job-progress-text");
    if (job.pages_planned) {
      bar.max = job.pages_planned;
      bar.value = job.pages_done;
      text.textContent = `${job.pages_done}/${job.pages_planned} trang đã đọc`;
    }
    if (job.finished) {
      bar.max = 1; bar.value = 1;
      text.textContent = `Xong: ${job.totals.done} tệp đã xử lý, ${job.totals.failed} tệp lỗi, `
        + `${job.totals.review} trường cần kiểm tra.`;
    }
    const body = document.querySelector("#job-files tbody");
    if (!job.files.length) return;
    body.replaceChildren();
    for (const f of job.files) {
      const row = document.createElement("tr");
      cell(row, f.display);
      const state = cell(row, badge(f.status));
      if (f.reason) {
        const why = document.createElement("div");
        why.className = "small muted";
        why.textContent = f.reason;
        state.appendChild(why);
      }
      cell(row, f.pages || f.pages_read);
      cell(row, f.records);
      cell(row, f.review);
      if (f.document_id) {
        const link = document.createElement("a");
        link.href = `/documents/${f.document_id}`;
        link.textContent = "Mở hồ sơ";
        cell(row, link);
      } else cell(row, "");
      body.appendChild(row);
    }
  }
  async function poll() {
    try {
      const response = await fetch(`/api/jobs/${box.dataset.jobId}`, { credentials: "same-origin" });
      if (response.status === 401) { window.location = "/login"; return; }
      if (response.ok) {
        const job = await response.json();
        draw(job);
        if (job.finished) { box.dataset.finished = "true"; return; }
      }
    } catch (error) { /* a dropped connection: try again next second */ }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
