// Hamlet's web interface works without this script. Where it runs, it spares a page
// load: the buttons under a post and on a profile act in place, and "Older posts"
// appends the next page. It talks to this server alone (the CSP allows nothing else)
// and falls back to an ordinary form submission or link whenever anything fails.
"use strict";

(function () {
  // The state a post's button toggles between: action -> [undo action, its label].
  var toggles = {
    favourite: ["unfavourite", "Unfavourite", true],
    unfavourite: ["favourite", "Favourite", false],
    boost: ["unboost", "Unboost", true],
    unboost: ["boost", "Boost", false],
    bookmark: ["unbookmark", "Remove bookmark", true],
    unbookmark: ["bookmark", "Bookmark", false]
  };

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response;
    });
  }

  function parse(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  function fallBack(form) {
    form.dataset.enhanced = "off";
    form.submit();
  }

  // Where a form's answer should land when it worked: its `return_to`. An answer that
  // lands anywhere else (the sign-in page, after the session ended) did not work.
  function landedWhereExpected(form, response) {
    var back = form.querySelector("input[name=return_to]");
    var landed = new URL(response.url);
    return back !== null && landed.origin === window.location.origin &&
      landed.pathname + landed.search === back.value;
  }

  // A post's favourite, boost or bookmark button: flip it in place.
  function toggle(form) {
    var parts = form.action.split("/");
    var action = parts[parts.length - 1];
    var next = toggles[action];
    if (!next) { return fallBack(form); }
    var button = form.querySelector("button");
    button.disabled = true;
    post(form).then(function (response) {
      if (!landedWhereExpected(form, response)) { throw new Error("not done"); }
      parts[parts.length - 1] = next[0];
      form.action = parts.join("/");
      button.textContent = next[1];
      button.setAttribute("aria-pressed", String(next[2]));
      button.disabled = false;
      button.focus();
    }).catch(function () { fallBack(form); });
  }

  // A profile's follow, mute or block button: the answer is the profile again; its
  // relation box replaces this one.
  function relation(form) {
    var box = form.closest(".relation");
    var buttons = box.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var label = form.querySelector("button").textContent;
    post(form).then(function (response) {
      return response.text();
    }).then(function (html) {
      var fresh = parse(html).querySelector(".relation");
      if (!fresh) { throw new Error("no relation box"); }
      box.replaceWith(fresh);
      // Keep keyboard focus near where it was: on the button that replaced the one
      // pressed, or on the first button of the box.
      var again = Array.prototype.find.call(fresh.querySelectorAll("button"), function (b) {
        return b.textContent !== label;
      });
      (again || fresh.querySelector("button") || fresh).focus();
    }).catch(function () { fallBack(form); });
  }

  // "Older posts": fetch the next page and append its posts to this one's list.
  function loadMore(link) {
    var more = link.closest(".more");
    link.setAttribute("aria-busy", "true");
    fetch(link.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      }).then(function (html) {
        var page = parse(html);
        var items = page.querySelectorAll("main ol.feed > li");
        var feeds = document.querySelectorAll("main ol.feed");
        var feed = feeds[feeds.length - 1];
        if (!feed) {
          feed = document.createElement("ol");
          feed.className = "feed";
          more.before(feed);
        }
        var first = null;
        items.forEach(function (item) {
          var adopted = document.importNode(item, true);
          feed.appendChild(adopted);
          if (!first) { first = adopted.querySelector("article"); }
        });
        var next = page.querySelector("main .more");
        if (next) { more.replaceWith(document.importNode(next, true)); } else { more.remove(); }
        if (first) {
          first.setAttribute("tabindex", "-1");
          first.focus();
        }
      }).catch(function () { window.location.href = link.href; });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset.enhanced === "off") { return; }
    if (form.matches("form[data-toggle]")) {
      event.preventDefault();
      toggle(form);
    } else if (form.matches("form[data-relation]")) {
      event.preventDefault();
      relation(form);
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-load-more]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) {
      return;
    }
    event.preventDefault();
    loadMore(link);
  });
})();
