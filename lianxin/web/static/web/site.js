// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  function counters(root) {
    root.querySelectorAll("textarea[data-counter]").forEach(function (ta) {
      var out = document.getElementById(ta.dataset.counter);
      if (!out || ta.dataset.counterBound) return;
      ta.dataset.counterBound = "1";
      var max = parseInt(ta.getAttribute("maxlength") || "0", 10);
      var update = function () { out.textContent = ta.value.length + " / " + max; };
      ta.addEventListener("input", update);
      update();
    });
  }
  function anonymous(root) {
    var box = root.querySelector("#id_anonymous");
    var group = root.querySelector("#contact-fields");
    var callback = root.querySelector("#callback-fields");
    if (!box || !group) return;
    var update = function () { group.hidden = box.checked; if (callback) callback.hidden = !box.checked; };
    box.addEventListener("change", update);
    update();
  }
  function areas(root) {
    var street = root.querySelector("#id_street"), grid = root.querySelector("#id_grid");
    if (!street || !grid) return;
    street.addEventListener("change", function () { grid.length = 1; grid.selectedIndex = 0; });
  }
  function locate(root) {
    // the phone's location for the appeal form: the grid is then found by its boundary
    var button = root.querySelector("#use-location"), status = root.querySelector("#location-status");
    var lat = root.querySelector("#id_latitude"), lon = root.querySelector("#id_longitude");
    if (!button || !lat || !lon || !navigator.geolocation) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = button.dataset.locating;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6); lon.value = pos.coords.longitude.toFixed(6);
        status.textContent = button.dataset.located;
      }, function () { status.textContent = button.dataset.failed; }, {enableHighAccuracy: true, timeout: 15000});
    });
  }
  function enterSubmits(root) {
    // forms marked data-enter-submits: Enter in a textarea sends the form (Shift+Enter: a new line)
    root.querySelectorAll("form[data-enter-submits]").forEach(function (form) {
      form.addEventListener("keydown", function (e) {
        if (e.key === "Enter" && e.target.tagName === "TEXTAREA" && !e.shiftKey && !e.isComposing) {
          e.preventDefault(); form.requestSubmit();
        }
      });
    });
  }
  function copyButtons(root) {
    // <button data-copy="ID" hidden>: shown only where the clipboard works; copies #ID's text
    root.querySelectorAll("button[data-copy]").forEach(function (btn) {
      var source = document.getElementById(btn.dataset.copy);
      var status = document.getElementById("copy-status");
      if (!source || !navigator.clipboard) return;
      btn.hidden = false;
      btn.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          if (status) status.textContent = btn.dataset.copied || "";
        }, function () {
          if (status) status.textContent = btn.dataset.copyFailed || "";
        });
      });
    });
  }
  function focusFirstError(root) {
    // a form sent back with errors: focus its first marked field, so a screen reader reads the
    // field and (aria-describedby) its error; the summary above is a role=alert with links to each
    var first = root.querySelector("form [aria-invalid='true']");
    if (first && !first.closest("[hidden]")) { first.focus(); return; }
    var summary = document.getElementById("form-errors");
    if (summary) summary.focus();
  }
  function unitSearch(root) {
    // <select data-unit-search="placeholder">: a search box above it narrows the options (by unit
    // name or group, e.g. a street). The choice stays while it matches; one match is chosen; else
    // the empty option (the form then says a unit is needed). Without JS: the grouped list.
    root.querySelectorAll("select[data-unit-search]").forEach(function (select) {
      if (select.dataset.searchBound) return;
      select.dataset.searchBound = "1";
      var original = Array.prototype.map.call(select.children, function (node) { return node.cloneNode(true); });
      var box = document.createElement("input");
      box.type = "search";
      box.className = "unit-search";
      box.placeholder = select.dataset.unitSearch;
      box.setAttribute("aria-label", select.dataset.unitSearch);
      box.setAttribute("aria-controls", select.id);
      select.parentNode.insertBefore(box, select);
      box.addEventListener("input", function () {
        var q = box.value.trim().toLowerCase(), chosen = select.value;
        var keep = function (opt, group) {
          return !q || !opt.value || opt.textContent.toLowerCase().indexOf(q) >= 0 ||
            (group && group.label.toLowerCase().indexOf(q) >= 0);
        };
        select.textContent = "";
        original.forEach(function (node) {
          if (node.tagName === "OPTGROUP") {
            var group = node.cloneNode(false);
            Array.prototype.forEach.call(node.children, function (opt) {
              if (keep(opt, node)) group.appendChild(opt.cloneNode(true));
            });
            if (group.children.length) select.appendChild(group);
          } else if (keep(node, null)) {
            select.appendChild(node.cloneNode(true));
          }
        });
        var matches = select.querySelectorAll("option[value]:not([value=''])");
        select.value = "";
        if (Array.prototype.some.call(matches, function (o) { return o.value === chosen; })) select.value = chosen;
        else if (q && matches.length === 1) select.value = matches[0].value;  // one match: chosen
      });
    });
  }
  function progressForms(root) {
    // <form data-progress="message">: a long action (a report takes seconds) is sent in the
    // background with its progress said in the form's role=status line; the page stays usable and
    // the result opens when it is ready. An error, or no fetch: the form is sent the plain way.
    root.querySelectorAll("form[data-progress]").forEach(function (form) {
      var status = form.querySelector("[role=status]"), button = form.querySelector("button[type=submit]");
      if (!window.fetch || !window.FormData || !status) return;
      form.addEventListener("submit", function (e) {
        if (form.dataset.plain) return;
        e.preventDefault();
        if (!form.reportValidity()) return;
        var started = Date.now();
        status.textContent = form.dataset.progress;
        status.classList.add("busy");
        if (button) button.disabled = true;
        var tick = setInterval(function () {
          status.textContent = form.dataset.progress + " " + Math.round((Date.now() - started) / 1000) + " s";
        }, 1000);
        var plain = function () { clearInterval(tick); form.dataset.plain = "1"; form.submit(); };
        fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                            headers: {"Accept": "application/json"}}).then(function (r) {
          if (!r.ok) { plain(); return null; }
          return r.json();
        }).then(function (data) {
          if (data && data.url) { clearInterval(tick); window.location.assign(data.url); }
          else if (data) { plain(); }
        }, plain);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    progressForms(document); unitSearch(document); counters(document); anonymous(document); areas(document); locate(document); enterSubmits(document); focusFirstError(document); copyButtons(document);
  });
  document.addEventListener("htmx:afterSwap", function (e) { counters(e.target); unitSearch(e.target); });
})();
