// The visit form keeps its draft in localStorage: a reload without a connection loses nothing.
// Each draft carries an id (client_ref) so a submission retried after a lost response is one visit.
(function () {
  "use strict";
  var script = document.currentScript;
  var clear = script && script.getAttribute("data-clear");
  if (clear) { try { localStorage.removeItem(clear); } catch (e) {} return; }
  var form = document.getElementById("visit-form");
  if (!form) return;
  var key = form.getAttribute("data-draft-key");
  var status = document.getElementById("draft-status");
  function newRef() { return "v-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10); }
  function save() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el, i) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "file") return;  // photos are not kept
      data[el.name + "#" + i] = el.type === "checkbox" ? el.checked : el.value;
    });
    try { localStorage.setItem(key, JSON.stringify(data)); if (status) status.textContent = "草稿已保存在本机"; } catch (e) {}
  }
  function restore() {
    var raw = null;
    try { raw = localStorage.getItem(key); } catch (e) {}
    var data = raw ? JSON.parse(raw) : {};
    Array.prototype.forEach.call(form.elements, function (el, i) {
      var v = data[el.name + "#" + i];
      if (v === undefined || el.type === "file") return;
      if (el.type === "checkbox") el.checked = !!v; else el.value = v;
    });
    var ref = document.getElementById("client_ref");
    if (!ref.value) { ref.value = newRef(); save(); }
    if (raw && status) status.textContent = "已恢复本机草稿";
  }
  restore();
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  form.addEventListener("submit", function (ev) {
    save();
    if (navigator.onLine === false) { ev.preventDefault(); if (status) status.textContent = "当前没有网络，草稿已保存，恢复网络后再提交。"; }
  });
})();
