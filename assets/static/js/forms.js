// Every page: the browser's own form-check bubbles ("Please fill out this field.") speak the
// browser's language; this makes them Vietnamese. A field's title, when it has one, is the
// message for a wrong format (it already says what is expected). The server checks again.
(function () {
  "use strict";

  function message(el) {
    var v = el.validity;
    if (v.valueMissing) {
      return el.type === "checkbox" || el.type === "radio" || el.tagName === "SELECT"
        ? "Vui lòng chọn mục này."
        : el.type === "file" ? "Vui lòng chọn tệp." : "Vui lòng nhập thông tin này.";
    }
    if (v.patternMismatch || v.typeMismatch || v.badInput) {
      return el.title || "Giá trị chưa đúng định dạng.";
    }
    if (v.tooShort) return "Vui lòng nhập ít nhất " + el.minLength + " ký tự.";
    if (v.tooLong) return "Vui lòng nhập không quá " + el.maxLength + " ký tự.";
    if (v.rangeUnderflow) return "Giá trị nhỏ nhất là " + el.min + ".";
    if (v.rangeOverflow) return "Giá trị lớn nhất là " + el.max + ".";
    if (v.stepMismatch) return "Giá trị chưa hợp lệ.";
    return "";
  }

  // "invalid" does not bubble: listen in the capture phase, once for the whole page.
  document.addEventListener("invalid", function (ev) {
    var el = ev.target;
    if (!el.setCustomValidity) return;
    el.setCustomValidity("");
    if (!el.validity.valid) el.setCustomValidity(message(el));
  }, true);
  // Typing clears the message, so the field is checked afresh on the next submit.
  document.addEventListener("input", function (ev) {
    if (ev.target.setCustomValidity) ev.target.setCustomValidity("");
  }, true);
  document.addEventListener("change", function (ev) {
    if (ev.target.setCustomValidity) ev.target.setCustomValidity("");
  }, true);
})();
