/* paperdive-kg glossary tooltips, shared by the app's pages (kg-page.js) and the embed (kg-embed.js).
 *
 * Triggers are the linker's links, <a class="kg-term" data-term="slug" href="/terms/slug">; they stay
 * real links. One tooltip element (role="tooltip") is reused; while it is open its trigger has
 * aria-describedby pointing at it. WCAG 1.4.13:
 *   - dismissible: Esc closes it (and it stays closed until the pointer or focus moves on);
 *   - hoverable: the pointer can move from the term onto the tooltip (a grace period covers the gap);
 *   - persistent: it stays while the term or tooltip is hovered, the term is focused, or a tap opened it.
 * Mouse: opens after an intent delay. Keyboard: opens on focus. Touch: the first tap opens it, a second
 * tap on the same term follows the link, a tap elsewhere closes it.
 * Content is built with createElement/textContent only; term data comes from the small card endpoint
 * (GET {base}api/terms/<slug>/card), fetched once per slug and cached by the browser (ETag).
 * Positioning: Floating UI (vendored, globalThis.FloatingUIDOM).
 */
(function (root) {
  "use strict";

  var OPEN_DELAY = 200; // ms of hovering before a tooltip opens (intent)
  var CLOSE_DELAY = 300; // ms the pointer has to get from the term onto the tooltip
  var STORAGE_KEY = "paperdive-kg:tooltips";
  var TERM_SELECTOR = "a.kg-term[data-term]";
  var counter = 0;

  function readEnabled() {
    try {
      return window.localStorage.getItem(STORAGE_KEY) !== "off";
    } catch (e) {
      return true; // storage disabled: tooltips on
    }
  }
  function writeEnabled(on) {
    try {
      window.localStorage.setItem(STORAGE_KEY, on ? "on" : "off");
    } catch (e) {
      /* storage disabled: the choice lasts for this page only */
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function addToken(node, attr, token) {
    var list = (node.getAttribute(attr) || "").split(/\s+/).filter(Boolean);
    if (list.indexOf(token) < 0) list.push(token);
    node.setAttribute(attr, list.join(" "));
  }
  function removeToken(node, attr, token) {
    var list = (node.getAttribute(attr) || "").split(/\s+/).filter(function (t) {
      return t && t !== token;
    });
    if (list.length) node.setAttribute(attr, list.join(" "));
    else node.removeAttribute(attr);
  }

  function episodeCount(n) {
    if (!n) return "Not discussed in an episode yet";
    return "Discussed in " + n + (n === 1 ? " episode" : " episodes");
  }

  /* Options:
   *   base:      URL the API and links are relative to (default: the page's origin + "/")
   *   scope:     elements whose terms get tooltips (default: [document.body])
   *   container: where the tooltip element goes (default: document.body)
   *   classPrefix/id: override the tooltip's id (default "kg-tooltip", made unique)
   */
  function create(options) {
    options = options || {};
    var FUI = root.FloatingUIDOM;
    var base = new URL(options.base || "/", document.baseURI);
    var scope = options.scope || [document.body];
    var cards = new Map(); // slug -> Promise<card>
    var enabled = readEnabled();
    var switches = [];
    var tip = null; // the tooltip element, made on first use
    var body, arrow;
    var current = null; // the trigger whose tooltip is open
    var pending = null; // the trigger waiting out the open delay
    var reasons = { hover: false, focus: false, touch: false };
    var openTimer = 0;
    var closeTimer = 0;
    var dismissed = null; // closed with Esc: not reopened by hover until the pointer leaves it
    var pointerOn = null; // the term under the mouse pointer, if any
    var stopAutoUpdate = null;
    var lastPointer = { type: "", time: 0 };
    var gesture = 0; // counts pointerdowns: a tap's click belongs to the latest one
    var openedIn = -1; // the gesture during which the open tooltip opened

    function abs(path) {
      return new URL(path, base).href;
    }

    function inScope(node) {
      for (var i = 0; i < scope.length; i++) if (scope[i] && scope[i].contains(node)) return true;
      return false;
    }
    function triggerOf(target) {
      if (!target || !target.closest) return null;
      var a = target.closest(TERM_SELECTOR);
      return a && inScope(a) ? a : null;
    }
    function inTip(target) {
      return !!(tip && target && tip.contains(target));
    }

    function card(slug) {
      var p = cards.get(slug);
      if (!p) {
        p = fetch(abs("api/terms/" + encodeURIComponent(slug) + "/card"), {
          credentials: "omit",
          headers: { Accept: "application/json" },
        }).then(function (resp) {
          if (!resp.ok) throw new Error("HTTP " + resp.status);
          return resp.json();
        });
        p.catch(function () {
          cards.delete(slug); // try again next time
        });
        cards.set(slug, p);
      }
      return p;
    }

    function ensureTip() {
      if (tip) return tip;
      tip = el("div", "kg-tooltip");
      var id = options.id || "kg-tooltip";
      while (document.getElementById(id)) id = (options.id || "kg-tooltip") + "-" + ++counter;
      tip.id = id;
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
      body = el("div", "kg-tooltip-body");
      arrow = el("span", "kg-tooltip-arrow");
      arrow.setAttribute("aria-hidden", "true");
      tip.appendChild(body);
      tip.appendChild(arrow);
      tip.addEventListener("pointerenter", function (e) {
        if (e.pointerType === "touch") return;
        clearTimeout(closeTimer);
        reasons.hover = !!current;
      });
      tip.addEventListener("pointerleave", function (e) {
        if (e.pointerType === "touch") return;
        if (current && current.contains(e.relatedTarget)) return;
        leaveLater();
      });
      (options.container || document.body).appendChild(tip);
      return tip;
    }

    function render(data, trigger) {
      body.textContent = "";
      if (!data) {
        body.appendChild(el("p", "kg-tooltip-loading", "Loading\u2026"));
        return;
      }
      if (data.error) {
        var p = el("p", "kg-tooltip-error", "Could not load this term. ");
        var more = el("a", "", "Open its page");
        more.href = trigger.href;
        p.appendChild(more);
        body.appendChild(p);
        return;
      }
      var head = el("p", "kg-tooltip-title");
      var title = el("a", "", data.label);
      title.href = abs(data.url);
      head.appendChild(title);
      body.appendChild(head);
      body.appendChild(el("p", "kg-tooltip-def", data.definition));
      var x = data.explained;
      if (x) {
        var where = el("p", "kg-tooltip-where");
        where.appendChild(el("span", "kg-tooltip-label", x.how === "explains" ? "Explained in " : "Mentioned in "));
        var link = el("a", "kg-tooltip-episode", x.episode + (x.timestamp ? " at " + x.timestamp : ""));
        link.href = abs(x.url);
        where.appendChild(link);
        var name = x.chapter || x.title;
        if (name) where.appendChild(el("span", "kg-tooltip-chapter", "\u201c" + name + "\u201d"));
        body.appendChild(where);
      }
      body.appendChild(el("p", "kg-tooltip-count", episodeCount(data.episode_count)));
      if (data.related && data.related.length) {
        var rel = el("p", "kg-tooltip-related");
        rel.appendChild(el("span", "kg-tooltip-label", "Related: "));
        data.related.slice(0, 3).forEach(function (r, i) {
          if (i) rel.appendChild(document.createTextNode(" \u00b7 "));
          var a = el("a", "", r.label);
          a.href = abs(r.url);
          rel.appendChild(a);
        });
        body.appendChild(rel);
      }
    }

    function place() {
      if (!current || !tip || !FUI) return;
      var trigger = current;
      FUI.computePosition(trigger, tip, {
        placement: "bottom",
        strategy: "absolute",
        middleware: [
          FUI.inline(),
          FUI.offset(10),
          FUI.flip({ padding: 8 }),
          FUI.shift({ padding: 8 }),
          FUI.arrow({ element: arrow, padding: 10 }),
          FUI.hide(),
        ],
      }).then(function (pos) {
        if (current !== trigger) return;
        // CSSOM assignments (not style attributes in markup): allowed under style-src 'self'.
        tip.style.left = pos.x + "px";
        tip.style.top = pos.y + "px";
        var side = pos.placement.split("-")[0];
        tip.setAttribute("data-placement", side);
        // the term scrolled out of sight (inside a scrolled box): hide the tooltip with it
        tip.classList.toggle("kg-tooltip-detached", !!(pos.middlewareData.hide || {}).referenceHidden);
        var a = pos.middlewareData.arrow || {};
        arrow.style.left = a.x != null ? a.x + "px" : "";
        arrow.style.top = a.y != null ? a.y + "px" : "";
      });
    }

    function open(trigger, why) {
      clearTimeout(openTimer);
      clearTimeout(closeTimer);
      pending = null;
      if (!enabled) return;
      if (current !== trigger) {
        close();
        ensureTip();
        current = trigger;
        openedIn = gesture;
        reasons = { hover: false, focus: false, touch: false };
        addToken(trigger, "aria-describedby", tip.id);
        render(null, trigger); // "Loading…" until the card arrives (a microtask when cached)
        card(trigger.getAttribute("data-term")).then(
          function (data) {
            if (current === trigger) {
              render(data, trigger);
              place();
            }
          },
          function () {
            if (current === trigger) {
              render({ error: true }, trigger);
              place();
            }
          }
        );
        tip.hidden = false;
        tip.classList.add("kg-tooltip-open");
        stopAutoUpdate = FUI ? FUI.autoUpdate(trigger, tip, place) : null;
      }
      reasons[why] = true;
    }

    function close() {
      clearTimeout(openTimer);
      clearTimeout(closeTimer);
      pending = null;
      if (!current) return;
      removeToken(current, "aria-describedby", tip.id);
      current = null;
      if (stopAutoUpdate) stopAutoUpdate();
      stopAutoUpdate = null;
      tip.hidden = true;
      tip.classList.remove("kg-tooltip-open");
    }

    function release(why) {
      reasons[why] = false;
      if (!reasons.hover && !reasons.focus && !reasons.touch) close();
    }

    function leaveLater() {
      clearTimeout(closeTimer);
      closeTimer = setTimeout(function () {
        release("hover");
      }, CLOSE_DELAY);
    }

    // -- pointer (mouse, pen) --------------------------------------------------------------------
    document.addEventListener("pointerover", function (e) {
      if (e.pointerType === "touch") return;
      var trigger = triggerOf(e.target);
      pointerOn = trigger;
      if (trigger !== dismissed) dismissed = null; // the pointer moved on since Esc
      if (!trigger || !enabled || trigger === dismissed) return;
      if (trigger === current) {
        clearTimeout(closeTimer);
        reasons.hover = true;
        return;
      }
      if (trigger === pending) return;
      pending = trigger;
      card(trigger.getAttribute("data-term")).catch(function () {}); // fetch during the delay
      clearTimeout(openTimer);
      openTimer = setTimeout(function () {
        if (pending === trigger) open(trigger, "hover");
      }, OPEN_DELAY);
    });
    document.addEventListener("pointerout", function (e) {
      if (e.pointerType === "touch") return;
      var trigger = triggerOf(e.target);
      if (!trigger || trigger.contains(e.relatedTarget)) return;
      if (pointerOn === trigger) pointerOn = null;
      if (trigger === dismissed) dismissed = null;
      if (trigger === pending) {
        clearTimeout(openTimer);
        pending = null;
      }
      if (trigger === current && !inTip(e.relatedTarget)) leaveLater();
    });

    // -- keyboard ----------------------------------------------------------------------------------
    document.addEventListener("focusin", function (e) {
      var trigger = triggerOf(e.target);
      if (!trigger || !enabled) return;
      // Focus that comes with a click or tap is not keyboard focus (:focus-visible tells them apart);
      // the tap logic handles taps.
      var visible;
      try {
        visible = trigger.matches(":focus-visible");
      } catch (err) {
        visible = Date.now() - lastPointer.time > 800;
      }
      if (!visible) return;
      dismissed = null;
      open(trigger, "focus");
    });
    document.addEventListener("focusout", function (e) {
      var trigger = triggerOf(e.target);
      if (!trigger || trigger !== current) return;
      if (inTip(e.relatedTarget)) return;
      if (dismissed === trigger) dismissed = null;
      release("focus");
    });
    document.addEventListener("keydown", function (e) {
      if ((e.key === "Escape" || e.key === "Esc") && current) {
        // not reopened by the pointer that is still resting on the term, until it moves off
        dismissed = pointerOn === current ? current : null;
        close();
      }
    });

    // -- touch: first tap opens, second follows the link, a tap elsewhere closes ----------------------
    document.addEventListener(
      "pointerdown",
      function (e) {
        lastPointer = { type: e.pointerType, time: Date.now() };
        gesture += 1;
        if (!current) return;
        if (inTip(e.target) || triggerOf(e.target) === current) return;
        close();
      },
      true
    );
    document.addEventListener("click", function (e) {
      if (!enabled || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      var trigger = triggerOf(e.target);
      if (!trigger) return;
      var type = e.pointerType || (Date.now() - lastPointer.time < 800 ? lastPointer.type : "");
      if (type !== "touch" || e.detail === 0) return; // mouse click or keyboard Enter: follow the link
      // a second tap (the tooltip was open before this tap began): follow the link
      if (current === trigger && tip && !tip.hidden && openedIn !== gesture) return;
      e.preventDefault();
      dismissed = null;
      open(trigger, "touch");
    });

    // -- the reader's switch ---------------------------------------------------------------------------
    function syncSwitches() {
      switches.forEach(function (b) {
        b.setAttribute("aria-checked", enabled ? "true" : "false");
        var state = b.querySelector(".kg-switch-state");
        if (state) state.textContent = enabled ? "On" : "Off";
      });
      scope.forEach(function (s) {
        if (s) s.classList.toggle("kg-tooltips-off", !enabled);
      });
    }

    var api = {
      get enabled() {
        return enabled;
      },
      setEnabled: function (on) {
        enabled = !!on;
        writeEnabled(enabled);
        if (!enabled) close();
        syncSwitches();
      },
      /* A <button role="switch"> (made by makeSwitch or server-rendered) that turns tooltips on and off. */
      bindSwitch: function (button) {
        switches.push(button);
        button.addEventListener("click", function () {
          api.setEnabled(!enabled);
        });
        syncSwitches();
        return button;
      },
      close: close,
      element: function () {
        return ensureTip();
      },
    };
    syncSwitches();
    return api;
  }

  /* The switch's markup, for pages that do not render one: a button role="switch". */
  function makeSwitch() {
    var bar = el("div", "kg-switch-bar");
    var button = el("button", "kg-switch");
    button.type = "button";
    button.setAttribute("role", "switch");
    button.appendChild(el("span", "kg-switch-label", "Term previews"));
    button.appendChild(el("span", "kg-switch-track"));
    button.lastChild.setAttribute("aria-hidden", "true");
    var state = el("span", "kg-switch-state", "On");
    state.setAttribute("aria-hidden", "true");
    button.appendChild(state);
    bar.appendChild(button);
    return bar;
  }

  root.KGTooltips = { create: create, makeSwitch: makeSwitch, TERM_SELECTOR: TERM_SELECTOR };
})(globalThis);
