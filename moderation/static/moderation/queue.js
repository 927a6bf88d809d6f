/* The queue as a workplace: decisions without a page load, keyboard shortcuts, undo,
 * notes and restrictions from the row, and live counts. Plain script, no inline code
 * (the admin's Content-Security-Policy allows scripts from the site only). Without it
 * every button still works: it submits the queue's form to the same URL.
 *
 * Shortcuts: j/k next/previous row, a approve, r reject (reason picker; Enter
 * confirms), b ban or suspend the author, n note about the author, z undo, ? help.
 * They never fire while the moderator types in a field. */
(function () {
  'use strict';

  var POLL_MS = 15000;

  function ready(fn) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
    else fn();
  }

  ready(function () {
    var place = document.getElementById('queue-workplace');
    var form = document.getElementById('changelist-form');
    if (!place || !form) return;
    var text = function (name) { return place.getAttribute('data-text-' + name) || name; };
    var help = place.querySelector('.queue-help');
    var baseTitle = document.title;
    var current = -1;
    var last = null; // the last decision: {row, id, url, html}

    function rows() {
      return Array.prototype.filter.call(
        document.querySelectorAll('#result_list tbody tr'),
        function (row) { return row.querySelector('.decide[data-comment]') || row.classList.contains('queue-decided'); }
      );
    }

    function csrf() {
      var input = form.querySelector('input[name=csrfmiddlewaretoken]');
      return input ? input.value : '';
    }

    function post(url, fields) {
      var body = new FormData();
      body.append('csrfmiddlewaretoken', csrf());
      Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
      return fetch(url, {
        method: 'POST',
        body: body,
        credentials: 'same-origin',
        headers: { 'Accept': 'application/json', 'X-CSRFToken': csrf() }
      }).then(function (response) {
        return response.json().then(
          function (data) { return { ok: response.ok, status: response.status, data: data }; },
          function () { return { ok: false, status: response.status, data: {} }; }
        );
      });
    }

    // The words of an error answer: {"detail": …} or {"field": ["…"]}.
    function problem(data) {
      if (data && typeof data.detail === 'string') return data.detail;
      for (var key in data) {
        if (Array.isArray(data[key]) && data[key].length) return data[key][0];
      }
      return text('failed');
    }

    function say(row, message, isError) {
      var line = row.querySelector('.queue-message');
      if (!line) {
        line = document.createElement('div');
        line.className = 'queue-message';
        line.setAttribute('role', 'status');
        (row.querySelector('.decide') || row.lastElementChild).appendChild(line);
      }
      line.textContent = message;
      line.classList.toggle('error', !!isError);
    }

    function focusRow(index) {
      var all = rows();
      if (!all.length) return;
      index = Math.max(0, Math.min(index, all.length - 1));
      all.forEach(function (row) { row.classList.remove('queue-current'); });
      var row = all[index];
      row.classList.add('queue-current');
      row.tabIndex = -1;
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: 'nearest', inline: 'start' });
      current = index;
    }

    function currentRow() {
      var all = rows();
      if (current < 0 || current >= all.length) focusRow(0);
      return rows()[current] || null;
    }

    function rowOf(element) {
      var row = element.closest('tr');
      var index = rows().indexOf(row);
      if (index >= 0) current = index;
      return row;
    }

    function nextUndecided(from) {
      var all = rows();
      for (var i = from + 1; i < all.length; i++) {
        if (!all[i].classList.contains('queue-decided')) return i;
      }
      return from;
    }

    // --- decisions ------------------------------------------------------------

    function decide(row, decision) {
      var box = row && row.querySelector('.decide[data-comment]');
      if (!box) return;
      var id = box.getAttribute('data-comment');
      var button = box.querySelector('button.' + decision);
      var reason = box.querySelector('select[name=reason_' + id + ']');
      var fields = { decision: decision };
      if (decision === 'reject' && reason) fields['reason_' + id] = reason.value;
      post(button.formAction, fields).then(function (answer) {
        if (!answer.ok) { say(row, problem(answer.data), true); return; }
        var html = row.innerHTML;
        last = { row: row, id: id, url: box.getAttribute('data-undo'), html: html };
        showDecided(row, id, answer.data.status === 'published' ? text('approve') : text('reject'));
        focusRow(nextUndecided(rows().indexOf(row)));
        poll();
      }, function () { say(row, text('failed'), true); });
    }

    function showDecided(row, id, label) {
      var cells = row.children.length;
      var cell = document.createElement('td');
      cell.colSpan = cells;
      cell.className = 'queue-decided-line';
      var undo = document.createElement('button');
      undo.type = 'button';
      undo.className = 'queue-undo';
      undo.textContent = text('undo');
      undo.addEventListener('click', function () { undoLast(); });
      cell.append('#' + id + ' ' + label + ' · ', undo);
      row.replaceChildren(cell);
      row.classList.add('queue-decided');
    }

    function undoLast() {
      if (!last) return;
      var decided = last;
      post(decided.url, {}).then(function (answer) {
        if (!answer.ok) { say(decided.row, problem(answer.data), true); return; }
        decided.row.innerHTML = decided.html;
        decided.row.classList.remove('queue-decided');
        last = null;
        say(decided.row, text('undone'), false);
        focusRow(rows().indexOf(decided.row));
        poll();
      }, function () { say(decided.row, text('failed'), true); });
    }

    // --- the author: restrict, note -----------------------------------------

    function openTool(row, kind) {
      var tool = row && row.querySelector('details.queue-' + kind);
      if (!tool) return;
      tool.open = true;
      var field = tool.querySelector(kind === 'ban' ? 'input[type=text]' : 'input');
      if (field) field.focus();
    }

    function restrict(row, tool) {
      var id = row.querySelector('.decide[data-comment]').getAttribute('data-comment');
      var fields = {
        restriction: tool.querySelector('select').value,
        days: tool.querySelector('input[type=number]').value,
        reason: tool.querySelector('input[type=text]').value
      };
      post(tool.getAttribute('data-url'), fields).then(function (answer) {
        if (!answer.ok) { say(row, problem(answer.data), true); return; }
        tool.open = false;
        say(row, '#' + id + ': ' + text('restricted'), false);
        focusRow(rows().indexOf(row));
      }, function () { say(row, text('failed'), true); });
    }

    function note(row, tool) {
      var input = tool.querySelector('input[type=text]');
      post(tool.getAttribute('data-url'), { text: input.value }).then(function (answer) {
        if (!answer.ok) { say(row, problem(answer.data), true); return; }
        var notes = row.querySelector('.queue-notes');
        if (notes) {
          var small = document.createElement('small');
          var quote = document.createElement('q');
          quote.textContent = answer.data.text;
          small.append(quote, ' (' + answer.data.moderator + ')');
          notes.replaceChildren(small);
        }
        input.value = '';
        tool.open = false;
        say(row, text('noted'), false);
        focusRow(rows().indexOf(row));
      }, function () { say(row, text('failed'), true); });
    }

    // Every button of a row, also of a row put back by undo: one listener for all.
    form.addEventListener('click', function (event) {
      var button = event.target.closest('button');
      if (!button || !form.contains(button)) return;
      var row = button.closest('#result_list tbody tr');
      if (!row) return;
      if (button.matches('.decide button.approve, .decide button.reject')) {
        event.preventDefault();
        decide(rowOf(button), button.value);
      } else if (button.matches('.queue-ban-save')) {
        event.preventDefault();
        restrict(rowOf(button), button.closest('details'));
      } else if (button.matches('.queue-note-save')) {
        event.preventDefault();
        note(rowOf(button), button.closest('details'));
      }
    });

    // Enter in a row's field does what its button does (not the bulk action).
    form.addEventListener('keydown', function (event) {
      if (event.key !== 'Enter') return;
      var field = event.target;
      var row = field.closest && field.closest('#result_list tbody tr');
      if (!row) return;
      var tool = field.closest('details.queue-tool');
      if (field.matches('.decide select')) {
        event.preventDefault();
        decide(rowOf(field), 'reject');
      } else if (tool && tool.classList.contains('queue-ban')) {
        event.preventDefault();
        restrict(rowOf(field), tool);
      } else if (tool && tool.classList.contains('queue-note')) {
        event.preventDefault();
        note(rowOf(field), tool);
      }
    });

    // --- the keyboard -------------------------------------------------------

    function typing(target) {
      return target instanceof Element && (target.closest('input, select, textarea, [contenteditable]') !== null);
    }

    document.addEventListener('keydown', function (event) {
      if (event.key === 'Escape') {
        if (!help.hidden) { help.hidden = true; return; }
        if (typing(event.target)) {
          var row = event.target.closest('#result_list tbody tr');
          if (row) { row.focus({ preventScroll: true }); }
        }
        return;
      }
      if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      var handled = true;
      switch (event.key) {
        case 'j': focusRow(current + 1); break;
        case 'k': focusRow(current - 1); break;
        case 'a': decide(currentRow(), 'approve'); break;
        case 'r': {
          var row = currentRow();
          var select = row && row.querySelector('.decide select');
          if (select) select.focus();
          break;
        }
        case 'b': openTool(currentRow(), 'ban'); break;
        case 'n': openTool(currentRow(), 'note'); break;
        case 'z': undoLast(); break;
        case '?': help.hidden = !help.hidden; break;
        default: handled = false;
      }
      if (handled) event.preventDefault();
    });

    // --- live counts --------------------------------------------------------

    var queue = place.getAttribute('data-queue');
    var countsUrl = place.getAttribute('data-counts-url');

    function showCounts(counts) {
      Object.keys(counts).forEach(function (name) {
        var element = place.querySelector('[data-count="' + name + '"]');
        if (element) element.textContent = String(counts[name]);
      });
      if (queue in counts) document.title = '(' + counts[queue] + ') ' + baseTitle;
    }

    function poll() {
      if (document.hidden) return;
      fetch(countsUrl, { headers: { 'Accept': 'application/json' }, credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (counts) { if (counts) showCounts(counts); }, function () {});
    }

    var initial = {};
    place.querySelectorAll('[data-count]').forEach(function (element) {
      initial[element.getAttribute('data-count')] = Number(element.textContent);
    });
    showCounts(initial);
    window.setInterval(poll, POLL_MS);
    if (rows().length) focusRow(0);
  });
}());
