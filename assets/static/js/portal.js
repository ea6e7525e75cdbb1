// Portal page behaviour: live filtering of the sample procedures (the form still works without
// script: it submits q and the server filters), and closing the account dropdown.
(function () {
  "use strict";

  // fold must match the server's fold(): lower case, no diacritics, đ -> d.
  function fold(s) {
    return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d");
  }

  var input = document.getElementById("q");
  var list = document.getElementById("procedure-list");
  var empty = document.getElementById("procedure-empty");
  if (input && list) {
    var filter = function () {
      var q = fold(input.value.trim());
      var shown = 0;
      list.querySelectorAll("li").forEach(function (li) {
        var match = (li.getAttribute("data-search") || "").indexOf(q) !== -1;
        li.classList.toggle("hidden", !match);
        if (match) { shown++; }
      });
      if (empty) { empty.classList.toggle("hidden", shown > 0); }
    };
    input.addEventListener("input", filter);
    var form = document.getElementById("procedure-search");
    if (form) {
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        filter();
        list.scrollIntoView({ behavior: "smooth", block: "nearest" });
      });
    }
  }

  // The top menu opens on hover and focus (CSS). Escape closes the menus around the focus and
  // puts the focus back on the top-level item; they open again once pointer and focus leave.
  document.querySelectorAll(".nav-list > .nav-item").forEach(function (item) {
    item.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape" || !item.querySelector(".submenu")) { return; }
      item.classList.add("menu-closed");
      item.querySelector("a").focus();
    });
    var reopen = function () { item.classList.remove("menu-closed"); };
    item.addEventListener("mouseleave", reopen);
    item.addEventListener("focusout", function (ev) {
      if (!item.contains(ev.relatedTarget)) { reopen(); }
    });
  });

  // The account menu is a <details>: close it on a click elsewhere or Escape.
  var dd = document.querySelector(".user-dropdown");
  if (dd) {
    document.addEventListener("click", function (ev) {
      if (dd.open && !dd.contains(ev.target)) { dd.open = false; }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && dd.open) { dd.open = false; dd.querySelector("summary").focus(); }
    });
  }
})();
