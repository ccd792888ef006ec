/* /embed.js: glossary tooltips on the podcast's own pages, which the app does not render.
 *
 *   <script src="https://APP/embed.js" data-kg-container="#review" defer></script>
 *
 * data-kg-container  CSS selector of the element(s) whose text gets linked (default "article, main")
 * data-kg-first-only "section" (default: the first mention of a term per section), "page" or "none"
 * data-kg-switch     where the reader's on/off switch goes: a CSS selector (appended inside it),
 *                    "none", or by default just before the first container
 *
 * It reads the text nodes of the container (never innerHTML), asks POST APP/api/annotate for the
 * glossary terms with UTF-16 offsets (what JavaScript strings count), and wraps each match in
 * <a class="kg-term" data-term="slug" href="APP/terms/slug"> with DOM calls (splitText, createElement),
 * touching no other markup. Styles come from APP/embed.css (classes only, no style attributes), so a
 * host page with a strict Content-Security-Policy only has to allow APP in script-src, style-src and
 * connect-src. The app answers cross-origin only to origins listed in KG_CORS_ORIGINS.
 */
(function (root) {
  "use strict";
  var MARK = typeof Symbol === "function" ? Symbol.for("paperdive-kg.embed") : "__paperdiveKgEmbed";
  if (window[MARK]) return; // included twice
  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll("script[src*='embed.js']");
    script = all[all.length - 1];
  }
  if (!script || !script.src) return;
  window[MARK] = true;

  var base = new URL(".", script.src).href; // the app (embed.js sits at its root)
  var config = {
    container: script.getAttribute("data-kg-container") || "article, main",
    firstOnly: script.getAttribute("data-kg-first-only") || "section",
    switchAt: script.getAttribute("data-kg-switch") || "",
  };
  var CHUNK = 100000; // UTF-16 units of text per request (the app takes up to 1 MB a request)
  var SEP = "\n\n"; // between text nodes: the linker never matches across it
  var SKIP = {};
  ("a code pre kbd samp var tt script style textarea title button select option optgroup label svg math " +
    "noscript template iframe object h1 h2 h3 h4 h5 h6 input").split(" ").forEach(function (n) {
    SKIP[n] = true;
  });
  var SECTIONING = {};
  "section article aside nav body main h1 h2 h3 h4 h5 h6".split(" ").forEach(function (n) {
    SECTIONING[n] = true;
  });

  function addStylesheet() {
    var href = new URL("embed.css", base).href;
    var links = document.querySelectorAll("link[rel~=stylesheet]");
    for (var i = 0; i < links.length; i++) if (links[i].href === href) return;
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    (document.head || document.documentElement).appendChild(link);
  }

  function collect(node, out, state) {
    for (var child = node.firstChild; child; child = child.nextSibling) {
      if (child.nodeType === 3) {
        if (/\S/.test(child.data)) out.push({ node: child, section: state.section });
      } else if (child.nodeType === 1) {
        var name = child.localName;
        if (SECTIONING[name]) state.section += 1;
        if (
          SKIP[name] ||
          child.hasAttribute("data-kg-skip") ||
          child.classList.contains("kg-skip") ||
          child.isContentEditable
        )
          continue;
        collect(child, out, state);
      }
    }
  }

  function chunks(items) {
    var out = [];
    var cur = null;
    items.forEach(function (item) {
      if (!cur || (cur.length > 0 && cur.length + item.node.data.length > CHUNK)) {
        cur = { items: [], starts: [], length: 0, parts: [] };
        out.push(cur);
      }
      if (cur.items.length) {
        cur.parts.push(SEP);
        cur.length += SEP.length;
      }
      cur.items.push(item);
      cur.starts.push(cur.length);
      cur.parts.push(item.node.data);
      cur.length += item.node.data.length;
    });
    return out;
  }

  function annotate(text) {
    return fetch(new URL("api/annotate", base).href, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text: text, offsets: "utf16" }),
    }).then(function (resp) {
      if (!resp.ok) throw new Error("annotate: HTTP " + resp.status);
      return resp.json();
    });
  }

  function locate(chunk, pos) {
    var lo = 0;
    var hi = chunk.starts.length - 1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (chunk.starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  // Matches per text node, policy applied (first mention per section or page), checked against the text.
  function matchesFor(chunk, spans, seen) {
    var perNode = new Map();
    spans.forEach(function (s) {
      if (typeof s.start !== "number" || typeof s.end !== "number" || typeof s.term !== "string") return;
      var i = locate(chunk, s.start);
      var item = chunk.items[i];
      var start = s.start - chunk.starts[i];
      var end = s.end - chunk.starts[i];
      if (start < 0 || end > item.node.data.length || end <= start) return;
      if (item.node.data.slice(start, end) !== s.text) return;
      if (config.firstOnly !== "none") {
        var key = (config.firstOnly === "page" ? "" : item.section + ":") + s.term;
        if (seen.has(key)) return;
        seen.add(key);
      }
      if (!perNode.has(item.node)) perNode.set(item.node, []);
      perNode.get(item.node).push({ start: start, end: end, term: s.term });
    });
    return perNode;
  }

  function wrap(perNode) {
    perNode.forEach(function (list, node) {
      list.sort(function (a, b) {
        return b.start - a.start; // from the end, so earlier offsets stay valid
      });
      list.forEach(function (m) {
        var middle = node.splitText(m.start);
        middle.splitText(m.end - m.start);
        var a = document.createElement("a");
        a.className = "kg-term";
        a.setAttribute("data-term", m.term);
        a.href = new URL("terms/" + encodeURIComponent(m.term), base).href;
        middle.parentNode.insertBefore(a, middle);
        a.appendChild(middle);
      });
    });
  }

  function placeSwitch(tips, containers) {
    if (config.switchAt === "none") return;
    var bar = root.KGTooltips.makeSwitch();
    bar.classList.add("kg-embed-switch");
    tips.bindSwitch(bar.querySelector("button"));
    var target = config.switchAt ? document.querySelector(config.switchAt) : null;
    if (target) target.appendChild(bar);
    else containers[0].parentNode.insertBefore(bar, containers[0]);
  }

  function start() {
    var containers = Array.prototype.slice.call(document.querySelectorAll(config.container));
    if (!containers.length) return;
    addStylesheet();
    var items = [];
    var state = { section: 0 };
    containers.forEach(function (c) {
      collect(c, items, state);
    });
    var seen = new Set();
    var work = Promise.resolve();
    chunks(items).forEach(function (chunk) {
      work = work.then(function () {
        return annotate(chunk.parts.join("")).then(function (result) {
          wrap(matchesFor(chunk, result.spans || [], seen));
        });
      });
    });
    var tips = root.KGTooltips.create({ base: base, scope: containers, id: "kg-embed-tooltip" });
    placeSwitch(tips, containers);
    work.catch(function (err) {
      if (window.console) window.console.warn("paperdive-kg embed: " + err.message);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(globalThis);
