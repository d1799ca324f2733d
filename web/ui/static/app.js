// tidings: the keys, and marking without reloading. Every page works
// without this file; it only saves clicks.
"use strict";
(function () {
  var csrf = (document.querySelector("meta[name=csrf]") || {}).content || "";
  var items = document.getElementById("items");
  var pane = document.getElementById("item");

  function rows() { return items ? Array.prototype.slice.call(items.querySelectorAll("li.entry")) : []; }
  function current() {
    return items && (items.querySelector("li.cursor") || items.querySelector("li.selected"));
  }
  function setCursor(li) {
    var old = items.querySelector("li.cursor");
    if (old) old.classList.remove("cursor");
    if (!li) return;
    li.classList.add("cursor");
    li.scrollIntoView({block: "nearest"});
  }
  function go(href) { if (href) window.location.href = href; }
  function link(id) { var a = document.getElementById(id); return a && a.href; }

  // post sends a mark as the form would, and says whether it was done.
  function post(action, fields) {
    var body = new URLSearchParams(fields);
    body.set("csrf", csrf);
    return fetch(action, {method: "POST", body: body, headers: {"X-CSRF-Token": csrf}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r; });
  }

  // The item a key acts on: the one open, else the one under the cursor.
  function target() {
    if (pane) return {id: pane.dataset.id, li: items && items.querySelector("li.entry[data-id='" + pane.dataset.id + "']")};
    var li = current();
    return li ? {id: li.dataset.id, li: li} : null;
  }
  function toggle(kind) {
    var t = target();
    if (!t) return;
    var box = t.li || pane;
    var on = kind === "read" ? box.classList.contains("read") || (!t.li && pane.querySelector(".act-read").value === "unread")
      : box.classList.contains("starred") || (!t.li && pane.querySelector(".act-star").value === "unstarred");
    var as = kind === "read" ? (on ? "unread" : "read") : (on ? "unstarred" : "starred");
    post("/mark", {id: t.id, as: as}).then(function () { update(t.id, kind, !on); });
  }
  // update shows a new state on the row and the open item's buttons.
  function update(id, kind, on) {
    var li = items && items.querySelector("li.entry[data-id='" + id + "']");
    var cls = kind === "read" ? "read" : "starred";
    if (li) li.classList.toggle(cls, on);
    var boxes = [];
    if (li) boxes.push(li);
    if (pane && pane.dataset.id === id) boxes.push(pane);
    boxes.forEach(function (box) {
      var b = box.querySelector(kind === "read" ? ".act-read" : ".act-star");
      if (!b) return;
      if (kind === "read") { b.value = on ? "unread" : "read"; b.textContent = on ? (box === pane ? "Mark unread" : "Unread") : (box === pane ? "Mark read" : "Read"); }
      else { b.value = on ? "unstarred" : "starred"; b.textContent = on ? (box === pane ? "★ Starred" : "★") : (box === pane ? "☆ Star" : "☆"); }
    });
  }

  // The mark buttons of rows and of the open item, without a reload.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (!f.classList || !f.classList.contains("acts")) return;
    var b = e.submitter;
    if (!b || b.name !== "as") return;
    e.preventDefault();
    var id = f.querySelector("input[name=id]").value, as = b.value;
    post("/mark", {id: id, as: as}).then(function () {
      update(id, as === "read" || as === "unread" ? "read" : "star", as === "read" || as === "starred");
    });
  });

  // "Load more" appends the next page instead of leaving this one.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("#more");
    if (!a || !items) return;
    e.preventDefault();
    loadMore(a);
  });
  function loadMore(a) {
    fetch(a.href, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var more = doc.getElementById("items");
      if (more) Array.prototype.slice.call(more.children).forEach(function (li) { items.appendChild(document.adoptNode(li)); });
      var next = doc.getElementById("more");
      if (next) a.href = next.href; else a.parentNode.removeChild(a);
      var ids = doc.querySelector("#markpage input[name=ids]"), mine = document.querySelector("#markpage input[name=ids]");
      if (ids && mine) mine.value += "," + ids.value;
    });
  }

  function open(li) { if (li) go(li.querySelector("a.title").href); }
  function step(d) {
    var rs = rows();
    if (!rs.length) return;
    var i = rs.indexOf(current());
    var n = i < 0 ? (d > 0 ? 0 : rs.length - 1) : Math.max(0, Math.min(rs.length - 1, i + d));
    setCursor(rs[n]);
  }

  var g = false;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var tag = e.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || e.target.isContentEditable) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    var dlg = document.getElementById("keys");
    if (dlg && dlg.open) return;
    var k = e.key;
    if (g) {
      g = false;
      if (k === "u") go("/"); else if (k === "s") go("/starred"); else if (k === "f") go("/feeds");
      e.preventDefault();
      return;
    }
    switch (k) {
    case "j":
      if (pane) go(link("next") || link("more"));
      else open(rows()[Math.max(0, rows().indexOf(current()) + 1)] || rows()[0]);
      break;
    case "k":
      if (pane) go(link("prev"));
      else { var rs = rows(), i = rs.indexOf(current()); if (i > 0) open(rs[i - 1]); }
      break;
    case "n": step(1); break;
    case "p": step(-1); break;
    case "o": case "Enter":
      var c = items && items.querySelector("li.cursor");
      if (c) open(c); else if (k === "o" && !pane) open(rows()[0]); else return;
      break;
    case "v":
      var orig = pane ? document.getElementById("original") : null;
      var href = orig ? orig.href : (current() && current().dataset.link);
      if (href) window.open(href, "_blank", "noopener,noreferrer");
      break;
    case "m": toggle("read"); break;
    case "s": toggle("star"); break;
    case "A":
      var mp = document.getElementById("markpage");
      if (mp) mp.submit();
      break;
    case "r":
      var rf = document.getElementById("refresh");
      if (rf) rf.submit();
      break;
    case "g": g = true; break;
    case "/":
      var q = document.getElementById("q");
      if (q) { q.focus(); q.select(); }
      break;
    case "?":
      if (dlg) dlg.showModal();
      break;
    case "Escape":
      if (pane) go(link("back"));
      break;
    default:
      return;
    }
    e.preventDefault();
  });

  if (pane) {
    var sel = items && items.querySelector("li.selected");
    if (sel) sel.scrollIntoView({block: "nearest"});
  }
})();
