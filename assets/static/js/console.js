// Operator console: refreshes the SMS outbox, prints the demo sheet, copies a new secret. No
// framework, no inline handlers (the CSP allows only scripts from this origin).
(function () {
  "use strict";

  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });

  // "Sao chép" next to a secret shown once: the clipboard API where the page is a secure
  // context (localhost, HTTPS), else the selection copy that works on plain HTTP too.
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var field = document.getElementById(b.getAttribute("data-copy"));
      var done = function () { b.textContent = dvcT("Đã sao chép"); };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { if (document.execCommand("copy")) done(); });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });

  var table = document.getElementById("outbox");
  if (!table) return;
  var body = table.querySelector("tbody");
  var status = document.getElementById("outbox-status");
  var source = table.getAttribute("data-source");
  var seen = null; // ids on the page, to mark the new ones

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render(messages) {
    var now = {};
    var rows = document.createDocumentFragment();
    messages.forEach(function (m) {
      now[m.id] = true;
      var tr = document.createElement("tr");
      if (seen && !seen[m.id]) tr.className = "fresh";
      cell(tr, m.sent_at, "nowrap");
      cell(tr, m.channel);
      cell(tr, m.from);
      var to = cell(tr, "");
      var num = document.createElement("span");
      num.className = "mono";
      num.textContent = m.to;
      to.appendChild(num);
      if (m.name) {
        to.appendChild(document.createElement("br"));
        var name = document.createElement("span");
        name.className = "muted small";
        name.textContent = m.name;
        to.appendChild(name);
      }
      cell(tr, m.body, "body");
      rows.appendChild(tr);
    });
    if (messages.length === 0) {
      var tr = document.createElement("tr");
      tr.className = "empty";
      var td = cell(tr, dvcT("Chưa có tin nhắn nào."));
      td.colSpan = 5;
      rows.appendChild(tr);
    }
    body.replaceChildren(rows);
    seen = now;
  }

  function refresh() {
    fetch(source, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) {
          status.textContent = dvcT("Phiên làm việc đã hết hạn. Vui lòng tải lại trang để đăng nhập.");
          return null;
        }
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        if (!data) return;
        render(data.messages || []);
        status.textContent = dvcT("Mới nhất ở trên cùng. Trang tự cập nhật mỗi 3 giây.");
        setTimeout(refresh, 3000);
      })
      .catch(function () {
        status.textContent = dvcT("Không tải được hộp thư, đang thử lại…");
        setTimeout(refresh, 3000);
      });
  }

  // The first render marks nothing as new; later ones highlight what arrived.
  fetch(source, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (data) {
        seen = {};
        (data.messages || []).forEach(function (m) { seen[m.id] = true; });
      }
    })
    .catch(function () {})
    .then(function () { setTimeout(refresh, 3000); });
})();
