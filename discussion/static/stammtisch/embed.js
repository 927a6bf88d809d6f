/*
 * Stammtisch comment widget: turns <div data-stammtisch-article="SLUG"></div> into
 * the article's discussion, using only the public API. No build step, no
 * dependencies. Readers' text reaches the page as text nodes only: elements are
 * made with createElement and filled with append(string) / textContent.
 *
 *   <link rel="stylesheet" href="/static/stammtisch/embed.css">
 *   <div data-stammtisch-article="SLUG" data-stammtisch-api="https://backend.example"></div>
 *   <script src="/static/stammtisch/embed.js" defer></script>
 *
 * data-stammtisch-api is optional: the backend's base URL (the widget appends
 * /api/…); by default the page's own origin. The UI speaks German, or English
 * when <html lang> starts with "en".
 *
 * Sign-in with the publisher's accounts (SSO, docs/sso.md): the page puts the JWT
 * it made for the reader in data-stammtisch-token, or calls
 * Stammtisch.login(jwt) later; Stammtisch.logout() signs the reader out.
 */
(function () {
  'use strict';

  var SORTS = ['oldest', 'newest', 'top'];
  var REASONS = ['spam', 'offensive', 'off_topic', 'misinformation', 'other'];
  // A moderator's reasons to remove (moderation.decisions.RejectReason).
  var RULES = ['insult', 'threat', 'hate', 'profanity', 'spam', 'off_topic', 'duplicate', 'other'];
  var POLL_FIRST = 500, POLL_MAX = 15000, POLL_FOR = 10 * 60 * 1000;

  var STRINGS = {
    de: {
      title: 'Kommentare',
      sortLabel: 'Sortierung',
      sorts: { oldest: 'Älteste zuerst', newest: 'Neueste zuerst', top: 'Beliebteste' },
      more: 'Weitere Kommentare laden',
      showReplies: function (n) { return n === 1 ? '1 Antwort anzeigen' : n + ' Antworten anzeigen'; },
      empty: 'Noch keine Kommentare.',
      closed: 'Die Diskussion zu diesem Artikel ist geschlossen.',
      hint: 'Kommentare werden vor der Veröffentlichung geprüft.',
      yourComment: 'Ihr Kommentar',
      send: 'Kommentar senden',
      replyTo: function (name) { return 'Ihre Antwort an ' + name; },
      sendReply: 'Antwort senden',
      like: 'Gefällt mir',
      likes: function (n) { return n === 1 ? '1 Like' : n + ' Likes'; },
      reply: 'Antworten',
      report: 'Melden',
      reported: 'Gemeldet',
      edit: 'Bearbeiten',
      del: 'Löschen',
      save: 'Speichern',
      cancel: 'Abbrechen',
      edited: 'bearbeitet',
      pending: 'wartet auf Freischaltung',
      rejected: 'nicht veröffentlicht',
      decisionsTitle: 'Entscheidungen zu Ihren Beiträgen',
      appeal: 'Widerspruch einlegen',
      appealLabel: 'Warum sollte die Entscheidung geändert werden?',
      sendAppeal: 'Widerspruch senden',
      appealSent: 'Ihr Widerspruch ist eingegangen. Eine andere Person aus der Moderation entscheidet darüber.',
      appealStatus: {
        open: 'Ihr Widerspruch wird geprüft.',
        upheld: 'Ihr Widerspruch wurde abgelehnt: ',
        reversed: 'Ihrem Widerspruch wurde stattgegeben: '
      },
      removed: 'Dieser Kommentar ist nicht mehr verfügbar.',
      someone: 'Unbekannt',
      newsroom: 'Redaktion',
      editLabel: 'Kommentar bearbeiten',
      deleteAsk: 'Diesen Kommentar wirklich löschen?',
      reportAsk: 'Warum melden Sie diesen Kommentar?',
      reasons: {
        spam: 'Spam oder Werbung', offensive: 'Beleidigend oder hasserfüllt', off_topic: 'Hat nichts mit dem Thema zu tun',
        misinformation: 'Falschinformation', other: 'Anderer Grund'
      },
      note: 'Anmerkung (freiwillig)',
      sendReport: 'Meldung senden',
      signInPrompt: 'Zum Mitdiskutieren melden Sie sich an.',
      signIn: 'Anmelden',
      register: 'Registrieren',
      registerTitle: 'Konto anlegen',
      toRegister: 'Neu hier? Konto anlegen',
      toSignIn: 'Schon ein Konto? Anmelden',
      username: 'Benutzername',
      password: 'Passwort',
      displayName: 'Anzeigename (freiwillig)',
      consent: ['Ich akzeptiere die ', 'Diskussionsregeln', ' und habe die ', 'Datenschutzhinweise', ' gelesen.'],
      signedInAs: 'Angemeldet als ',
      signOut: 'Abmelden',
      changeName: 'Name ändern',
      newName: 'Ihr Anzeigename (leer: Benutzername)',
      nameChanged: 'Ihr Name wurde geändert.',
      signedIn: 'Sie sind angemeldet.',
      signedOut: 'Sie sind abgemeldet.',
      ssoFailed: 'Die Anmeldung mit Ihrem Konto der Website ist fehlgeschlagen',
      signInFirst: 'Bitte melden Sie sich zuerst an.',
      loginFailed: 'Benutzername oder Passwort ist falsch.',
      posted: 'Ihr Kommentar wartet auf Freischaltung.',
      published: 'Ihr Kommentar ist jetzt veröffentlicht.',
      notPublished: 'Ihr Kommentar wurde nicht veröffentlicht.',
      editPending: 'Ihre Änderung wartet auf Freischaltung.',
      editExpired: 'Die Zeit zum Bearbeiten ist abgelaufen.',
      deleted: 'Ihr Kommentar wurde gelöscht.',
      reportThanks: 'Danke. Die Moderation sieht sich den Kommentar an.',
      reportTwice: 'Sie haben diesen Kommentar bereits gemeldet.',
      needText: 'Bitte schreiben Sie etwas.',
      throttled: function (s) { return 'Zu viele Anfragen. Bitte versuchen Sie es in ' + s + ' Sekunden noch einmal.'; },
      banned: 'Ihr Konto darf nicht mehr mitdiskutieren.',
      suspended: function (d) { return 'Ihr Konto ist bis ' + d + ' gesperrt.'; },
      noArticle: 'Zu diesem Artikel gibt es keine Diskussion.',
      offline: 'Keine Verbindung zum Server. Bitte versuchen Sie es später noch einmal.',
      failed: 'Das hat nicht geklappt. Bitte versuchen Sie es später noch einmal.',
      all: 'Alle Kommentare',
      picks: 'Redaktionsempfehlungen',
      pick: 'Redaktionsempfehlung',
      see: ' — siehe ',
      netiquette: 'Netiquette',
      staff: 'Moderation',
      remove: 'Entfernen',
      removeAsk: 'Warum entfernen Sie den Kommentar?',
      feature: 'Empfehlen',
      unfeature: 'Nicht mehr empfehlen',
      ban: 'Autor sperren',
      banAsk: 'Grund der Sperre (steht im Protokoll und in der Begründung an den Autor)',
      admin: 'Im Admin öffnen',
      removedDone: 'Der Kommentar wurde entfernt.',
      featuredDone: 'Der Kommentar ist jetzt eine Redaktionsempfehlung.',
      unfeaturedDone: 'Der Kommentar ist keine Redaktionsempfehlung mehr.',
      bannedDone: 'Der Autor ist gesperrt.',
      rules: {
        insult: 'Beleidigung', threat: 'Drohung', hate: 'Hassrede', profanity: 'Vulgäre Sprache',
        spam: 'Spam', off_topic: 'Kein Bezug zum Thema', duplicate: 'Doppelt gepostet', other: 'Anderer Grund'
      }
    },
    en: {
      title: 'Comments',
      sortLabel: 'Sort order',
      sorts: { oldest: 'Oldest first', newest: 'Newest first', top: 'Most liked' },
      more: 'Load more comments',
      showReplies: function (n) { return n === 1 ? 'Show 1 reply' : 'Show ' + n + ' replies'; },
      empty: 'No comments yet.',
      closed: 'Comments are closed for this article.',
      hint: 'Comments are checked before they are published.',
      yourComment: 'Your comment',
      send: 'Post comment',
      replyTo: function (name) { return 'Your reply to ' + name; },
      sendReply: 'Post reply',
      like: 'Like',
      likes: function (n) { return n === 1 ? '1 like' : n + ' likes'; },
      reply: 'Reply',
      report: 'Report',
      reported: 'Reported',
      edit: 'Edit',
      del: 'Delete',
      save: 'Save',
      cancel: 'Cancel',
      edited: 'edited',
      pending: 'awaiting moderation',
      rejected: 'not published',
      decisionsTitle: 'Decisions about your contributions',
      appeal: 'Appeal',
      appealLabel: 'Why should the decision be changed?',
      sendAppeal: 'Send appeal',
      appealSent: 'Your appeal has been received. A different moderator will decide on it.',
      appealStatus: {
        open: 'Your appeal is being reviewed.',
        upheld: 'Your appeal was rejected: ',
        reversed: 'Your appeal was successful: '
      },
      removed: 'This comment is no longer available.',
      someone: 'Unknown',
      newsroom: 'Editorial team',
      editLabel: 'Edit your comment',
      deleteAsk: 'Delete this comment?',
      reportAsk: 'Why are you reporting this comment?',
      reasons: {
        spam: 'Spam or advertising', offensive: 'Offensive or hateful', off_topic: 'Off topic',
        misinformation: 'Misinformation', other: 'Something else'
      },
      note: 'Note (optional)',
      sendReport: 'Send report',
      signInPrompt: 'Sign in to join the discussion.',
      signIn: 'Sign in',
      register: 'Register',
      registerTitle: 'Create an account',
      toRegister: 'New here? Create an account',
      toSignIn: 'Have an account? Sign in',
      username: 'Username',
      password: 'Password',
      displayName: 'Display name (optional)',
      consent: ['I accept the ', 'discussion rules', ' and have read the ', 'privacy notice', '.'],
      signedInAs: 'Signed in as ',
      signOut: 'Sign out',
      changeName: 'Change name',
      newName: 'Your display name (empty: username)',
      nameChanged: 'Your name was changed.',
      signedIn: 'You are signed in.',
      signedOut: 'You are signed out.',
      ssoFailed: "Signing in with your account at the site failed",
      signInFirst: 'Please sign in first.',
      loginFailed: 'Wrong username or password.',
      posted: 'Your comment is awaiting moderation.',
      published: 'Your comment is now published.',
      notPublished: 'Your comment was not published.',
      editPending: 'Your change is awaiting moderation.',
      editExpired: 'The time for editing is over.',
      deleted: 'Your comment was deleted.',
      reportThanks: 'Thank you. The moderators will look at the comment.',
      reportTwice: 'You have already reported this comment.',
      needText: 'Please write something.',
      throttled: function (s) { return 'Too many requests. Please try again in ' + s + ' seconds.'; },
      banned: 'Your account may no longer take part in the discussion.',
      suspended: function (d) { return 'Your account is suspended until ' + d + '.'; },
      noArticle: 'There is no discussion for this article.',
      offline: 'No connection to the server. Please try again later.',
      failed: 'That did not work. Please try again later.',
      all: 'All comments',
      picks: "Editors' picks",
      pick: "Editors' pick",
      see: ' — see ',
      netiquette: 'Netiquette',
      staff: 'Moderator',
      remove: 'Remove',
      removeAsk: 'Why are you removing this comment?',
      feature: 'Feature',
      unfeature: 'Unfeature',
      ban: 'Ban author',
      banAsk: 'Reason for the ban (kept in the log and in the statement to the author)',
      admin: 'Open in admin',
      removedDone: 'The comment was removed.',
      featuredDone: "The comment is now an editors' pick.",
      unfeaturedDone: "The comment is no longer an editors' pick.",
      bannedDone: 'The author is banned.',
      rules: {
        insult: 'Insult', threat: 'Threat', hate: 'Hate speech', profanity: 'Profanity',
        spam: 'Spam', off_topic: 'Off topic', duplicate: 'Duplicate', other: 'Other reason'
      }
    }
  };

  // --- Small helpers -------------------------------------------------------

  /* An element with attributes, listeners (on…) and children; strings become text nodes. */
  function h(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    });
    for (var i = 2; i < arguments.length; i++) add(node, arguments[i]);
    return node;
  }

  function add(node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { add(node, c); });
    else node.append(child);  // a string is appended as a Text node, never parsed
  }

  /* Mark a button busy (aria-disabled, so that it keeps the keyboard focus);
   * false if it already was. */
  function hold(button) {
    if (button.getAttribute('aria-disabled') === 'true') return false;
    button.setAttribute('aria-disabled', 'true');
    return true;
  }

  function release(button) { button.removeAttribute('aria-disabled'); }

  function cookie(name) {
    var match = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return match ? decodeURIComponent(match[1]) : '';
  }

  var storage = {
    get: function (key) { try { return window.localStorage.getItem(key); } catch (e) { return null; } },
    set: function (key, value) {
      try {
        if (value) window.localStorage.setItem(key, value); else window.localStorage.removeItem(key);
      } catch (e) { /* storage off: the token lives as long as the page */ }
    }
  };

  function ApiError(status, data, retryAfter) {
    this.status = status;
    this.data = data && typeof data === 'object' ? data : {};
    this.retryAfter = retryAfter;
  }

  /* A reader's badges next to their name: the newsroom's roles as "Redaktion", then
   * the badges the publisher gave (SSO). */
  function roles(list, t) {
    var seen = {};
    return (list || []).map(function (b) {
      return /^(STAFF|MODERATOR|ADMIN)$/.test(b) ? t.newsroom : b;
    }).filter(function (b) { return seen[b] ? false : (seen[b] = true); }).map(function (b) {
      return h('span', { 'class': 'stm-role' + (b === t.newsroom ? ' stm-newsroom' : '') }, b);
    });
  }

  var widgets = 0, fields = 0;

  // --- The widget ------------------------------------------------------------

  function Widget(root) {
    this.root = root;
    this.slug = root.getAttribute('data-stammtisch-article') || '';
    this.base = (root.getAttribute('data-stammtisch-api') || '').replace(/\/+$/, '');
    var apiUrl = new URL(this.base + '/api/', window.location.href);
    this.sameOrigin = apiUrl.origin === window.location.origin;
    this.tokenKey = 'stammtisch-token ' + apiUrl.href;
    this.lang = /^en\b/i.test(document.documentElement.lang || '') ? 'en' : 'de';
    this.t = STRINGS[this.lang];
    this.uid = 'stm' + (++widgets);
    this.sort = 'oldest';
    this.view = 'all';          // or 'picks': the editors' picks
    this.cursor = null;
    this.count = 0;
    this.open = false;
    this.user = null;
    this.token = storage.get(this.tokenKey);
    this.jwt = root.getAttribute('data-stammtisch-token');
    this.mine = new Map();      // id → the reader's own comment as the API gave it
    this.entries = new Map();   // id → {c: comment, li: element}
    this.timers = new Map();    // id → polling timeout
    this.dates = new Intl.DateTimeFormat(this.lang, { dateStyle: 'medium', timeStyle: 'short' });
    this.build();
    this.start();
  }

  var W = Widget.prototype;

  W.api = function (method, path, body) {
    var headers = { Accept: 'application/json', 'Accept-Language': this.lang };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.token) headers.Authorization = 'Token ' + this.token;
    else if (method !== 'GET' && this.sameOrigin) headers['X-CSRFToken'] = cookie('csrftoken');
    var self = this;
    return fetch(this.base + '/api' + path, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      var parsed = response.status === 204 ? Promise.resolve(null) : response.json().catch(function () { return null; });
      return parsed.then(function (data) {
        if (response.ok) return data;
        if (response.status === 401 && self.user) self.signedOut();
        throw new ApiError(response.status, data, response.headers.get('Retry-After'));
      });
    }, function () { throw new ApiError(0, null); });
  };

  W.problem = function (error) {
    var t = this.t, data = (error && error.data) || {};
    if (!(error instanceof ApiError)) { window.console.error(error); return t.failed; }
    if (error.status === 0) return t.offline;
    if (error.status === 429) return t.throttled(data.retry_after || error.retryAfter || 60);
    if (data.code === 'banned') return t.banned;
    if (data.code === 'suspended') return t.suspended(data.until ? this.date(data.until) : '?');
    if (data.code === 'comments_closed') return t.closed;
    if (error.status === 401) return t.signInFirst;
    if (data.non_field_errors) return t.loginFailed;
    var messages = [];
    Object.keys(data).forEach(function (key) {
      if (Array.isArray(data[key])) messages = messages.concat(data[key]);
    });
    return messages.length ? messages.join(' ') : data.detail || t.failed;
  };

  W.say = function (message, isError) {
    this.status.textContent = message;
    this.status.className = 'stm-status' + (isError ? ' stm-error' : '');
  };

  W.date = function (iso) {
    var d = new Date(iso);
    return isNaN(d) ? '' : this.dates.format(d);
  };

  W.id = function (name) { return this.uid + '-' + name; };

  W.build = function () {
    var t = this.t, self = this;
    this.countEl = h('span', { 'class': 'stm-count' });
    this.heading = h('h2', { id: this.id('title'), 'class': 'stm-title', tabindex: '-1' }, t.title, ' ', this.countEl);
    this.status = h('p', { 'class': 'stm-status', role: 'status', 'aria-live': 'polite' });
    this.account = h('div', { 'class': 'stm-account' });
    this.composer = h('div', { 'class': 'stm-composer' });
    this.sortButtons = SORTS.map(function (sort) {
      return h('button', {
        type: 'button', 'data-sort': sort, 'aria-pressed': String(sort === self.sort),
        onclick: function () { self.setSort(sort); }
      }, t.sorts[sort]);
    });
    this.sortBar = h('div', { 'class': 'stm-sort', role: 'group', 'aria-label': t.sortLabel }, this.sortButtons);
    this.tabs = [['all', t.all], ['picks', t.picks]].map(function (v) {
      return h('button', { type: 'button', 'data-view': v[0], 'aria-pressed': String(v[0] === self.view),
        onclick: function () { self.setView(v[0]); } }, v[1]);
    });
    this.tabBar = h('div', { 'class': 'stm-tabs', role: 'group', 'aria-label': t.picks, hidden: true }, this.tabs);
    this.list = h('ol', { 'class': 'stm-list' });
    this.empty = h('p', { 'class': 'stm-empty', hidden: true }, t.empty);
    this.more = h('button', {
      type: 'button', 'class': 'stm-more', hidden: true, onclick: function () { self.loadPage(false); }
    }, t.more);
    this.section = h('section', { 'class': 'stm', 'aria-labelledby': this.id('title'), lang: this.lang },
      this.heading, this.status, this.account, this.composer, this.tabBar, this.sortBar, this.empty, this.list, this.more);
    this.root.replaceChildren(this.section);
  };

  W.start = function () {
    var self = this;
    var article = this.api('GET', '/articles/' + encodeURIComponent(this.slug) + '/');
    var me = (this.jwt ? this.sso(this.jwt) : Promise.resolve()).then(function () { return self.loadMe(); });
    Promise.all([article, me]).then(function (results) {
      self.open = results[0].comments_open;
      self.renderAccount();
      return Promise.all([self.loadPage(true), self.checkPicks()]);
    }).then(function () {
      return self.loadMine();
    }).then(function () {
      self.reveal();
      return self.loadDecisions();
    }).catch(function (error) {
      self.say(error.status === 404 ? self.t.noArticle : self.problem(error), true);
    });
  };

  /* Who reads: the token's owner, or (same origin, no token) the session's user,
   * whose writes then carry Django's CSRF token from its cookie. */
  W.loadMe = function () {
    var self = this;
    this.user = null;
    if (!this.token && !(this.sameOrigin && cookie('csrftoken'))) return Promise.resolve();
    return this.api('GET', '/me/').then(function (me) {
      self.user = me;
    }, function (error) {
      if (error.status === 401 || error.status === 403) self.setToken(null);
    });
  };

  /* The publisher's token for this browser's API token. A token signs in once, so
   * one already sent (its end is remembered) is not sent again: a reload keeps the
   * sign-in, and a sign-out holds until the page brings a new token. */
  W.sso = function (jwt) {
    var self = this, mark = this.tokenKey + ' sso', end = jwt.slice(-16);
    if (storage.get(mark) === end) return Promise.resolve();
    storage.set(mark, end);
    this.setToken(null);
    return this.api('POST', '/auth/sso/', { token: jwt }).then(function (result) {
      self.setToken(result.token);
    }, function (error) {
      self.say(self.t.ssoFailed + ' (' + (error.data.code || error.status) + ').', true);
    });
  };

  /* After a sign-in elsewhere (Stammtisch.login): the account, the thread, the
   * reader's own comments and decisions. */
  W.refresh = function () {
    var self = this;
    this.token = storage.get(this.tokenKey) || this.token;
    return this.loadMe().then(function () {
      self.renderAccount();
      if (self.user) self.say(self.t.signedIn);
      return self.loadPage(true);
    }).then(function () { return self.loadMine(); }).then(function () { return self.loadDecisions(); });
  };

  W.setToken = function (token) {
    this.token = token;
    storage.set(this.tokenKey, token);
  };

  W.signedOut = function () {
    this.setToken(null);
    this.user = null;
    this.mine.clear();
    if (this.decisions) this.decisions.replaceChildren();
    this.renderAccount();
  };

  W.setCount = function (n) {
    this.count = Math.max(0, n);
    this.countEl.textContent = '(' + this.count + ')';
  };

  // --- Thread ----------------------------------------------------------------

  W.loadPage = function (reset) {
    if (!hold(this.more) && !reset) return Promise.resolve();
    var self = this, seq = this.seq = (this.seq || 0) + 1;
    var query = new URLSearchParams({ sort: this.sort });
    if (this.view === 'picks') query.set('featured', 'true');
    if (!reset && this.cursor) query.set('cursor', this.cursor);
    this.section.setAttribute('aria-busy', 'true');
    return this.api('GET', '/articles/' + encodeURIComponent(this.slug) + '/comments/?' + query)
      .then(function (page) {
        if (seq !== self.seq) return;  // a newer request (another sort order) replaces this one
        if (reset) {
          self.list.replaceChildren();
          self.entries.clear();
        }
        self.setCount(page.comment_count);
        var added = page.results.filter(function (node) { return !self.entries.has(node.id); })
          .map(function (node) { return self.renderComment(node); });
        add(self.list, added);
        self.cursor = page.next_cursor;
        self.more.hidden = !self.cursor;
        if (reset) self.placeMine();
        else if (added.length) added[0].focus();
        self.empty.hidden = self.list.children.length > 0;
      }, function (error) {
        self.say(self.problem(error), true);
      }).then(function () {
        if (seq !== self.seq) return;
        self.section.removeAttribute('aria-busy');
        release(self.more);
      });
  };

  W.setSort = function (sort) {
    this.sort = sort;
    this.sortButtons.forEach(function (button) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-sort') === sort));
    });
    this.loadPage(true);
  };

  /* The editors' picks tab is offered when the article has any (or is open). */
  W.checkPicks = function () {
    var self = this;
    return this.api('GET', '/articles/' + encodeURIComponent(this.slug) + '/comments/?featured=true&limit=1')
      .then(function (page) {
        self.tabBar.hidden = !page.results.length && self.view === 'all';
      }, function () { /* the thread itself says what went wrong */ });
  };

  W.setView = function (view) {
    this.view = view;
    this.tabs.forEach(function (button) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-view') === view));
    });
    this.sortBar.hidden = view === 'picks';
    return this.loadPage(true);
  };

  /* Put a top-level comment where the thread's order puts it among those loaded:
   * before the first one that sorts after it (the reader's own, not yet public). */
  W.place = function (li) {
    var self = this, sort = this.sort;
    function key(c) {
      var time = Date.parse(c.created_at);
      if (sort === 'newest') return [-time, -c.id];
      return sort === 'top' ? [-(c.status === 'published' ? c.like_count : 0), time, c.id] : [time, c.id];
    }
    function earlier(a, b) {
      for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
      return false;
    }
    var mine = key(this.entries.get(Number(li.getAttribute('data-id'))).c);
    var next = Array.prototype.find.call(this.list.children, function (other) {
      var entry = other !== li && self.entries.get(Number(other.getAttribute('data-id')));
      return entry && earlier(mine, key(entry.c));
    });
    this.list.insertBefore(li, next || null);
  };

  /* The reader's own comments: which ones may be edited or deleted, and those
   * still waiting or rejected (not in the public thread) shown where they belong. */
  W.loadMine = function () {
    var self = this, pages = 0;
    if (!this.user) return Promise.resolve();
    function page(cursor) {
      var path = '/me/comments/' + (cursor ? '?cursor=' + encodeURIComponent(cursor) : '');
      return self.api('GET', path).then(function (result) {
        result.results.forEach(function (c) { if (c.article === self.slug) self.mine.set(c.id, c); });
        if (result.next_cursor && ++pages < 3) return page(result.next_cursor);
      });
    }
    return page(null).then(function () {
      self.entries.forEach(function (entry) { if (self.mine.has(entry.c.id)) self.paint(entry); });
      self.placeMine();
    }, function (error) { self.say(self.problem(error), true); });
  };

  W.placeMine = function () {
    var self = this;
    if (this.view !== 'all') return;
    this.mine.forEach(function (c) {
      if (self.entries.has(c.id) || c.status === 'published') return;
      if (c.status === 'rejected' && c.rejection_reason === undefined) self.explain(c.id);
      var li = self.renderComment(c);
      if (c.parent === null) self.place(li);
      else if (self.entries.has(c.parent)) self.entries.get(c.parent).replies.append(li);
      else return;
      if (c.status === 'pending') self.watch(c.id, 2000);
    });
    this.empty.hidden = this.list.children.length > 0;
  };

  /* Why the reader's own comment was not published: from its detail, which tells
   * its author (only) the rule it broke. */
  W.explain = function (id) {
    var self = this;
    this.api('GET', '/comments/' + id + '/').then(function (c) {
      var entry = self.entries.get(id);
      self.mine.set(id, c);
      if (entry) self.paint(entry);
    }, function () { /* the badge still says it was not published */ });
  };

  function normalise(node) {
    return {
      id: node.id,
      parent: node.parent,
      author: node.author,
      author_badges: node.author_badges,
      body: node.body,
      created_at: node.created_at,
      edited: Boolean(node.edited || node.edited_at),
      like_count: node.like_count || 0,
      liked: Boolean(node.liked),
      reply_count: node.reply_count || 0,
      featured: Boolean(node.featured),
      status: node.removed ? 'removed' : node.status || 'published',
      replies: node.replies || []
    };
  }

  W.renderComment = function (node) {
    var self = this, c = normalise(node);
    var entry = {
      c: c,
      card: h('div', { 'class': 'stm-card' }),
      slot: h('div', { 'class': 'stm-slot' }),
      replies: h('ol', { 'class': 'stm-replies' })
    };
    entry.li = h('li', { 'class': 'stm-comment', id: this.id('c' + c.id), tabindex: '-1', 'data-id': c.id },
      entry.card, entry.slot, entry.replies);
    this.entries.set(c.id, entry);
    this.paint(entry);
    // Replies deeper than the thread nests come flat under their ancestor; they
    // are fetched nested from /replies/ on request instead.
    var flat = c.replies.some(function (reply) { return reply.parent !== c.id; });
    if (flat) {
      var button = h('button', {
        type: 'button', 'class': 'stm-show-replies',
        onclick: function () { self.showReplies(entry, button); }
      }, this.t.showReplies(c.reply_count));
      entry.li.insertBefore(button, entry.replies);
    } else {
      add(entry.replies, c.replies.map(function (reply) { return self.renderComment(reply); }));
    }
    return entry.li;
  };

  W.showReplies = function (entry, button) {
    var self = this;
    if (!hold(button)) return;
    this.api('GET', '/comments/' + entry.c.id + '/replies/').then(function (result) {
      var added = result.results.map(function (node) { return self.renderComment(node); });
      entry.replies.prepend.apply(entry.replies, added);
      button.remove();
      if (added.length) added[0].focus();
    }, function (error) {
      release(button);
      self.say(self.problem(error), true);
    });
  };

  W.isMine = function (c) { return this.mine.has(c.id); };

  W.editableUntil = function (c) {
    var own = this.mine.get(c.id);
    var until = own && own.editable_until ? Date.parse(own.editable_until) : 0;
    return c.status === 'pending' || c.status === 'published' ? until : 0;
  };

  /* (Re)draw a comment's card from its data, keeping the keyboard focus on the
   * action it was on. */
  W.paint = function (entry) {
    var self = this, t = this.t, c = entry.c;
    var focused = entry.card.contains(document.activeElement) && document.activeElement.getAttribute('data-action');
    entry.li.setAttribute('data-status', c.status);
    if (c.status === 'removed') {
      entry.card.replaceChildren(h('p', { 'class': 'stm-removed' }, t.removed));
      return;
    }
    var mine = this.isMine(c), published = c.status === 'published';
    var badge = c.status === 'pending' ? t.pending : c.status === 'rejected' ? t.rejected : null;
    var meta = h('p', { 'class': 'stm-meta' },
      h('span', { 'class': 'stm-author' }, c.author || t.someone), roles(c.author_badges, t), ' ',
      h('time', { datetime: c.created_at }, this.date(c.created_at)),
      c.edited ? h('span', { 'class': 'stm-edited' }, ' · ' + t.edited) : null,
      published && c.featured ? h('span', { 'class': 'stm-pick' }, t.pick) : null,
      badge ? h('span', { 'class': 'stm-badge stm-' + c.status }, badge) : null,
      c.status === 'rejected' && mine ? this.why(this.mine.get(c.id).rejection_reason) : null);
    var actions = h('div', { 'class': 'stm-actions' });
    function action(name, label, handler, extra) {
      var attrs = { type: 'button', 'data-action': name, onclick: function (event) { handler.call(self, entry, event.currentTarget); } };
      Object.keys(extra || {}).forEach(function (key) { attrs[key] = extra[key]; });
      actions.append(h('button', attrs, label));
    }
    if (published && !mine) {
      action('like', [t.like, ' ', h('span', { 'class': 'stm-n' }, String(c.like_count))], this.like,
        { 'aria-pressed': String(c.liked) });
    } else if (published && c.like_count) {
      actions.append(h('span', { 'class': 'stm-likes' }, t.likes(c.like_count)));
    }
    if (published && this.open) action('reply', t.reply, this.replyForm);
    if (published && !mine) {
      action('report', c.reported ? t.reported : t.report, this.reportForm, { disabled: Boolean(c.reported) });
      action('notice', this.noticeText().open, this.noticeForm);
    }
    var until = this.editableUntil(c);
    if (mine && this.open && until > Date.now()) {
      action('edit', t.edit, this.editForm);
      clearTimeout(entry.editTimer);
      entry.editTimer = setTimeout(function () { self.paint(entry); }, Math.min(until - Date.now() + 100, 2147483647));
    }
    if (mine) action('delete', t.del, this.deleteForm);
    if (published && this.user && this.user.moderator) {
      action('feature', c.featured ? t.unfeature : t.feature, this.toggleFeature, { 'class': 'stm-staff' });
      action('remove', t.remove, this.removeForm, { 'class': 'stm-staff' });
      if (c.author && !mine) action('ban', t.ban, this.banForm, { 'class': 'stm-staff' });
      actions.append(h('a', { 'class': 'stm-staff', href: this.user.admin_url + 'discussion/comment/' + c.id + '/change/',
        target: '_blank', rel: 'noopener' }, t.admin));
    }
    entry.card.replaceChildren(meta, h('p', { 'class': 'stm-body' }, c.body || ''), actions);
    if (focused) {
      var again = actions.querySelector('[data-action="' + focused + '"]');
      (again || entry.li).focus();
    }
  };

  /* ": <the rule broken> — see Netiquette" after the badge of a rejected own comment. */
  W.why = function (reason) {
    var t = this.t, url = this.user && this.user.netiquette_url;
    return h('span', { 'class': 'stm-why' }, reason ? ': ' + reason.label : null,
      url ? [t.see, h('a', { href: url, target: '_blank', rel: 'noopener' }, t.netiquette)] : null);
  };

  // --- Moderation in the thread (staff with the moderation permission) -------
  // The moderation API's own answers (a missing second factor, a decision taken
  // meanwhile) show under the comment.

  W.staffError = function (entry, error) {
    entry.slot.replaceChildren(h('p', { 'class': 'stm-field-error', role: 'alert' }, this.problem(error)));
  };

  W.toggleFeature = function (entry, button) {
    var self = this, t = this.t;
    if (!hold(button)) return;
    this.api(entry.c.featured ? 'DELETE' : 'POST', '/moderation/comments/' + entry.c.id + '/feature/').then(function (result) {
      entry.c.featured = result.featured;
      entry.slot.replaceChildren();
      self.paint(entry);
      self.say(result.featured ? t.featuredDone : t.unfeaturedDone);
      return self.checkPicks();
    }, function (error) {
      release(button);
      self.staffError(entry, error);
    });
  };

  W.removeForm = function (entry, opener) {
    var self = this, t = this.t, name = this.id('rule' + entry.c.id);
    var choices = RULES.map(function (rule) {
      var id = name + '-' + rule;
      return h('div', { 'class': 'stm-choice' },
        h('input', { type: 'radio', name: name, id: id, value: rule, required: true }),
        h('label', { 'for': id }, t.rules[rule]));
    });
    var error = h('p', { 'class': 'stm-field-error', role: 'alert' });
    var submit = h('button', { type: 'submit', 'class': 'stm-danger' }, t.remove);
    var form = h('form', { 'class': 'stm-form', onsubmit: function (event) {
      event.preventDefault();
      var checked = form.querySelector('input[type=radio]:checked');
      if (!hold(submit)) return;
      self.api('POST', '/moderation/comments/' + entry.c.id + '/decision/',
        { action: 'remove', reason: checked.value, expected_status: 'published' }).then(function () {
        self.forget(entry, true);
        self.say(t.removedDone);
        return self.checkPicks();
      }, function (problem) {
        release(submit);
        error.textContent = self.problem(problem);
      });
    } }, h('fieldset', {}, h('legend', {}, t.removeAsk), choices), error, h('div', { 'class': 'stm-buttons' }, submit));
    this.openForm(entry, opener, form, form.querySelector('input'));
  };

  W.banForm = function (entry, opener) {
    var self = this, t = this.t, field = this.textField(t.banAsk);
    field.area.rows = 2;
    field.area.maxLength = 255;
    var error = h('p', { 'class': 'stm-field-error', role: 'alert' });
    var submit = h('button', { type: 'submit', 'class': 'stm-danger' }, t.ban);
    var form = h('form', { 'class': 'stm-form', onsubmit: function (event) {
      event.preventDefault();
      if (!hold(submit)) return;
      self.api('POST', '/moderation/comments/' + entry.c.id + '/author/', { action: 'ban', reason: field.area.value })
        .then(function () {
          entry.slot.replaceChildren(h('p', { 'class': 'stm-status', role: 'status' }, t.bannedDone));
          self.say(t.bannedDone);
        }, function (problem) {
          release(submit);
          error.textContent = self.problem(problem);
        });
    } }, field.label, field.area, error, h('div', { 'class': 'stm-buttons' }, submit));
    this.openForm(entry, opener, form, field.area);
  };

  /* A link to one comment (…#comment-<id>, as notices and mails give them) opens the
   * page at that comment when it is on the first page of the thread. */
  W.reveal = function () {
    var match = /^#comment-(\d+)$/.exec(window.location.hash);
    var entry = match && this.entries.get(Number(match[1]));
    if (!entry) return;
    entry.li.scrollIntoView({ block: 'center' });
    entry.li.focus();
  };

  // --- Decisions about the reader (statements of reasons, appeals) -----------

  /* The reasons for each restriction of the reader's comments on this article or of
   * their account, with the redress open to them and a form to appeal. */
  W.loadDecisions = function () {
    var self = this;
    if (!this.user) return Promise.resolve();
    return this.api('GET', '/me/decisions/').then(function (decisions) {
      var here = decisions.filter(function (d) { return d.article === self.slug || d.comment === null; });
      self.renderDecisions(here);
    }, function (error) { self.say(self.problem(error), true); });
  };

  W.renderDecisions = function (decisions) {
    var self = this, t = this.t;
    if (!this.decisions) {
      this.decisions = h('section', { 'class': 'stm-decisions', 'aria-labelledby': this.id('decisions') });
      this.status.after(this.decisions);
    }
    if (!decisions.length) { this.decisions.replaceChildren(); return; }
    this.decisions.replaceChildren(h('h3', { id: this.id('decisions') }, t.decisionsTitle));
    add(this.decisions, decisions.map(function (d) { return self.renderDecision(d); }));
  };

  W.renderDecision = function (d) {
    var self = this, t = this.t;
    var item = h('article', { 'class': 'stm-decision', 'data-decision': d.id },
      h('p', { 'class': 'stm-restriction' }, h('strong', null, d.restriction_text), ' ',
        h('time', { datetime: d.decided_at }, this.date(d.decided_at))),
      h('p', null, d.ground_text),
      d.explanation ? h('p', { 'class': 'stm-explanation' }, d.explanation) : null,
      h('p', null, d.facts));
    var slot = h('div', { 'class': 'stm-appeal' });
    if (d.appeal) {
      slot.append(h('p', { 'class': 'stm-appeal-' + d.appeal.status },
        t.appealStatus[d.appeal.status] + (d.appeal.explanation || '')));
    }
    slot.append(h('p', { 'class': 'stm-redress' }, d.redress.text));
    if (d.redress.appealable_until) {
      var button = h('button', { type: 'button', 'data-action': 'appeal', onclick: function () {
        self.appealForm(d, slot, button);
      } }, t.appeal);
      slot.append(button);
    }
    item.append(slot);
    return item;
  };

  W.appealForm = function (d, slot, opener) {
    var self = this, t = this.t, field = this.textField(t.appealLabel);
    field.area.maxLength = 5000;
    var submit = h('button', { type: 'submit' }, t.sendAppeal);
    var error = h('p', { 'class': 'stm-field-error', role: 'alert' });
    var form = h('form', { 'class': 'stm-form', onsubmit: function (event) {
      event.preventDefault();
      if (!hold(submit)) return;
      self.api('POST', '/me/decisions/' + d.id + '/appeal/', { text: field.area.value }).then(function () {
        self.say(t.appealSent);
        return self.loadDecisions();
      }, function (problem) {
        error.textContent = self.problem(problem);
        release(submit);
      });
    } }, field.label, field.area, error, h('div', { 'class': 'stm-buttons' }, submit));
    opener.replaceWith(form);
    field.area.focus();
  };

  // --- Forms under a comment -------------------------------------------------

  /* Show one form in the comment's slot; Escape or Cancel closes it and gives the
   * focus back to the button that opened it. */
  W.openForm = function (entry, opener, form, first) {
    var self = this;
    entry.slot.replaceChildren(form);
    entry.close = function () {
      entry.slot.replaceChildren();
      if (opener && opener.isConnected) opener.focus();
    };
    form.addEventListener('keydown', function (event) { if (event.key === 'Escape') entry.close(); });
    add(form.querySelector('.stm-buttons') || form, h('button', { type: 'button', onclick: function () { entry.close(); } }, self.t.cancel));
    first.focus();
  };

  W.needsUser = function () {
    if (this.user) return false;
    this.say(this.t.signInFirst, true);
    var field = this.account.querySelector('input, button');
    if (field) field.focus();
    return true;
  };

  W.textField = function (label, value) {
    var id = this.id('f' + (++fields));
    var area = h('textarea', { id: id, name: 'body', rows: 4, required: true });
    area.value = value || '';
    return { label: h('label', { 'for': id }, label), area: area };
  };

  // --- Notices of illegal content (DSA Art. 16) ------------------------------
  // Anyone may send one, signed in or not: a legal ground from the site's list,
  // an explanation, name and email (optional only where the ground allows it)
  // and the statement of good faith. Refusals show under the field they name.

  var NOTICE_FIELDS = ['legal_ground', 'legal_ground_other', 'explanation', 'notifier_name', 'notifier_email', 'good_faith'];
  var NOTICE_STRINGS = {
    de: {
      open: 'Rechtswidrig?',
      title: 'Rechtswidrigen Inhalt melden',
      intro: 'Melden Sie uns Kommentare, die gegen deutsches Recht verstoßen. Dafür brauchen Sie kein Konto.',
      legal_ground: 'Welches Gesetz verletzt der Kommentar?',
      choose: 'Bitte wählen',
      legal_ground_other: 'Welche Vorschrift?',
      explanation: 'Begründung (mindestens 20 Zeichen)',
      notifier_name: 'Ihr Name',
      notifier_email: 'Ihre E-Mail-Adresse',
      optional: ' (freiwillig)',
      good_faith: 'Ich versichere, dass meine Angaben nach bestem Wissen richtig und vollständig sind.',
      send: 'Meldung absenden',
      received: function (ref) { return 'Ihre Meldung ist eingegangen. Aktenzeichen: ' + ref + '.'; },
      mailed: 'Eine Eingangsbestätigung haben wir Ihnen per E-Mail geschickt.',
      keep: 'Ohne E-Mail-Adresse verfolgen Sie Ihre Meldung mit diesem Link; bitte bewahren Sie ihn auf:',
      twice: function (ref) { return 'Sie haben diesen Kommentar bereits gemeldet (Aktenzeichen ' + ref + ').'; },
      suspended: function (d) { return 'Meldungen von dieser Adresse bearbeiten wir bis ' + d + ' nicht.'; },
      noGrounds: 'Die Liste der Rechtsgrundlagen konnte nicht geladen werden.'
    },
    en: {
      open: 'Illegal?',
      title: 'Report illegal content',
      intro: 'Tell us about comments that break German law. You do not need an account.',
      legal_ground: 'Which law does the comment break?',
      choose: 'Please choose',
      legal_ground_other: 'Which provision?',
      explanation: 'Explanation (at least 20 characters)',
      notifier_name: 'Your name',
      notifier_email: 'Your email address',
      optional: ' (optional)',
      good_faith: 'I confirm that, to the best of my knowledge, the information I give is accurate and complete.',
      send: 'Send notice',
      received: function (ref) { return 'We received your notice. Reference: ' + ref + '.'; },
      mailed: 'We sent you a confirmation by email.',
      keep: 'Without an email address you follow your notice with this link; please keep it:',
      twice: function (ref) { return 'You have already reported this comment (reference ' + ref + ').'; },
      suspended: function (d) { return 'We do not process notices from this address until ' + d + '.'; },
      noGrounds: 'The list of legal grounds could not be loaded.'
    }
  };

  W.noticeText = function () { return NOTICE_STRINGS[this.lang]; };

  /* The legal grounds, asked for once per widget. */
  W.noticeGrounds = function () {
    var self = this;
    if (!this.grounds) {
      this.grounds = this.api('GET', '/notices/grounds/').then(function (result) { return result.results; },
        function (error) { self.grounds = null; throw error; });
    }
    return this.grounds;
  };

  W.noticeForm = function (entry, opener) {
    var self = this, n = this.noticeText(), base = this.id('n' + entry.c.id);
    var inputs = {}, labels = {}, errors = {}, grounds = [];
    function row(name, control, label) {
      control.id = base + '-' + name;
      control.name = name;
      control.setAttribute('aria-describedby', base + '-' + name + 'e');
      inputs[name] = control;
      labels[name] = h('label', { 'for': control.id }, label);
      errors[name] = h('p', { id: base + '-' + name + 'e', 'class': 'stm-field-error', 'aria-live': 'polite' });
      return control.type === 'checkbox'
        ? h('div', { 'class': 'stm-choice' }, control, labels[name], errors[name])
        : h('div', { 'class': 'stm-field' }, labels[name], control, errors[name]);
    }
    var select = h('select', { required: true }, h('option', { value: '' }, n.choose));
    var other = h('input', { maxlength: 255 });
    var rows = [
      row('legal_ground', select, n.legal_ground),
      row('legal_ground_other', other, n.legal_ground_other),
      row('explanation', h('textarea', { rows: 4, required: true, minlength: 20, maxlength: 5000 }), n.explanation),
      row('notifier_name', h('input', { autocomplete: 'name', maxlength: 200 }), n.notifier_name),
      row('notifier_email', h('input', { type: 'email', autocomplete: 'email', maxlength: 254 }), n.notifier_email),
      row('good_faith', h('input', { type: 'checkbox', required: true }), n.good_faith)
    ];
    /* Name and email are asked for unless the chosen ground allows an anonymous notice. */
    function fit() {
      var chosen = grounds.filter(function (g) { return g.code === select.value; })[0];
      var anonymous = Boolean(chosen && chosen.anonymous_notice_allowed);
      rows[1].hidden = select.value !== 'other';
      other.required = select.value === 'other';
      ['notifier_name', 'notifier_email'].forEach(function (name) {
        inputs[name].required = !anonymous;
        labels[name].textContent = n[name] + (anonymous ? n.optional : '');
      });
    }
    select.addEventListener('change', fit);
    this.noticeGrounds().then(function (list) {
      grounds = list;
      add(select, list.map(function (g) { return h('option', { value: g.code }, g.label); }));
      fit();
    }, function () { self.say(n.noGrounds, true); });
    if (this.user) inputs.notifier_name.value = this.user.display_name || '';
    fit();
    var submit = h('button', { type: 'submit' }, n.send);
    var form = h('form', { 'class': 'stm-form stm-notice', novalidate: true, onsubmit: function (event) {
      event.preventDefault();
      NOTICE_FIELDS.forEach(function (name) {
        errors[name].textContent = '';
        inputs[name].removeAttribute('aria-invalid');
      });
      var data = { comment: entry.c.id, good_faith: inputs.good_faith.checked };
      NOTICE_FIELDS.slice(0, 5).forEach(function (name) { data[name] = inputs[name].value; });
      if (!hold(submit)) return;
      self.api('POST', '/notices/', data).then(function (result) {
        var done = [h('p', {}, n.received(result.reference))];
        if (data.notifier_email) done.push(h('p', {}, n.mailed));
        else {
          var follow = self.base + '/api/notices/' + result.reference + '/?token=' + encodeURIComponent(result.token);
          done.push(h('p', {}, n.keep), h('p', { 'class': 'stm-body' }, new URL(follow, window.location.href).href));
        }
        var note = h('div', { 'class': 'stm-status stm-notice-done', role: 'status', tabindex: '-1' }, done);
        entry.slot.replaceChildren(note);
        self.say(n.received(result.reference));
        note.focus();
      }, function (error) {
        release(submit);
        var named = error.status === 400 ? NOTICE_FIELDS.filter(function (name) { return error.data[name]; }) : [];
        named.forEach(function (name) {
          errors[name].textContent = [].concat(error.data[name]).join(' ');
          inputs[name].setAttribute('aria-invalid', 'true');
        });
        if (named.length) { inputs[named[0]].focus(); return; }
        if (error.status === 409 && error.data.reference) self.say(n.twice(error.data.reference), true);
        else if (error.data.code === 'notices_suspended') self.say(n.suspended(self.date(error.data.until)), true);
        else self.say(self.problem(error), true);
      });
    } }, h('fieldset', {}, h('legend', {}, n.title), h('p', { 'class': 'stm-hint' }, n.intro), rows),
      h('div', { 'class': 'stm-buttons' }, submit));
    this.openForm(entry, opener, form, select);
  };

  W.replyForm = function (entry, opener) {
    if (this.needsUser()) return;
    var self = this, field = this.textField(this.t.replyTo(entry.c.author || this.t.someone));
    var submit = h('button', { type: 'submit' }, this.t.sendReply);
    var form = h('form', { 'class': 'stm-form', onsubmit: function (event) {
      event.preventDefault();
      self.post(field.area, submit, entry.c.id).then(function (li) {
        if (!li) return;
        entry.slot.replaceChildren();
        entry.replies.append(li);
        li.focus();
      });
    } }, field.label, field.area, h('div', { 'class': 'stm-buttons' }, submit));
    this.openForm(entry, opener, form, field.area);
  };

  W.reportForm = function (entry, opener) {
    if (this.needsUser()) return;
    var self = this, t = this.t, name = this.id('reason' + entry.c.id);
    var choices = REASONS.map(function (reason) {
      var id = name + '-' + reason;
      return h('div', { 'class': 'stm-choice' },
        h('input', { type: 'radio', name: name, id: id, value: reason, required: true }),
        h('label', { 'for': id }, t.reasons[reason]));
    });
    var noteId = name + '-note';
    var note = h('textarea', { id: noteId, rows: 2, maxlength: 500 });
    var submit = h('button', { type: 'submit' }, t.sendReport);
    var form = h('form', { 'class': 'stm-form', onsubmit: function (event) {
      event.preventDefault();
      var checked = form.querySelector('input[type=radio]:checked');
      if (!hold(submit)) return;
      self.api('POST', '/comments/' + entry.c.id + '/reports/', { reason: checked.value, note: note.value })
        .then(function () {
          self.say(t.reportThanks);
          return true;
        }, function (error) {
          if (error.status !== 409) throw error;
          self.say(t.reportTwice);
          return true;
        }).then(function () {
          entry.c.reported = true;
          entry.slot.replaceChildren();
          self.paint(entry);
          entry.li.focus();
        }, function (error) {
          release(submit);
          self.say(self.problem(error), true);
        });
    } },
      h('fieldset', {}, h('legend', {}, t.reportAsk), choices),
      h('label', { 'for': noteId }, t.note), note,
      h('div', { 'class': 'stm-buttons' }, submit));
    this.openForm(entry, opener, form, form.querySelector('input'));
  };

  W.editForm = function (entry, opener) {
    var self = this, t = this.t;
    if (this.editableUntil(entry.c) <= Date.now()) {
      this.say(t.editExpired, true);
      this.paint(entry);
      return;
    }
    var field = this.textField(t.editLabel, entry.c.body);
    var submit = h('button', { type: 'submit' }, t.save);
    var form = h('form', { 'class': 'stm-form', onsubmit: function (event) {
      event.preventDefault();
      if (!field.area.value.trim()) { self.say(t.needText, true); return; }
      if (!hold(submit)) return;
      self.api('PATCH', '/comments/' + entry.c.id + '/', { body: field.area.value }).then(function (c) {
        if (entry.c.status === 'published') self.setCount(self.count - 1);
        self.mine.set(c.id, c);
        entry.c.body = c.body;
        entry.c.status = c.status;
        entry.c.edited = true;
        entry.slot.replaceChildren();
        self.paint(entry);
        entry.li.focus();
        self.say(t.editPending);
        self.watch(c.id);
      }, function (error) {
        release(submit);
        self.say(self.problem(error), true);
      });
    } }, field.label, field.area, h('div', { 'class': 'stm-buttons' }, submit));
    this.openForm(entry, opener, form, field.area);
  };

  W.deleteForm = function (entry, opener) {
    var self = this, t = this.t;
    var confirm = h('button', { type: 'submit', 'class': 'stm-danger' }, t.del);
    var form = h('form', { 'class': 'stm-form', onsubmit: function (event) {
      event.preventDefault();
      if (!hold(confirm)) return;
      self.api('DELETE', '/comments/' + entry.c.id + '/').then(function () {
        self.forget(entry, true);
        self.say(t.deleted);
      }, function (error) {
        release(confirm);
        self.say(self.problem(error), true);
      });
    } }, h('p', {}, t.deleteAsk), h('div', { 'class': 'stm-buttons' }, confirm));
    this.openForm(entry, opener, form, confirm);
  };

  /* A comment that is gone: a placeholder if replies hang under it, else nothing.
   * If the focus was on it, it goes to the next comment, or the heading. */
  W.forget = function (entry, hadFocus) {
    var focused = hadFocus || entry.li.contains(document.activeElement);
    if (entry.c.status === 'published') this.setCount(this.count - 1);
    clearTimeout(this.timers.get(entry.c.id));
    this.mine.delete(entry.c.id);
    entry.slot.replaceChildren();
    if (entry.replies.children.length || entry.c.reply_count) {
      entry.c.status = 'removed';
      this.paint(entry);
      if (focused) entry.li.focus();
      return;
    }
    var next = entry.li.nextElementSibling || entry.li.parentNode.closest('.stm-comment') || this.heading;
    entry.li.remove();
    this.entries.delete(entry.c.id);
    this.empty.hidden = this.list.children.length > 0;
    if (focused) next.focus();
  };

  W.like = function (entry) {
    if (this.needsUser()) return;
    var self = this;
    this.api(entry.c.liked ? 'DELETE' : 'POST', '/comments/' + entry.c.id + '/reactions/').then(function (result) {
      entry.c.liked = result.liked;
      entry.c.like_count = result.like_count;
      self.paint(entry);
    }, function (error) { self.say(self.problem(error), true); });
  };

  // --- Posting and waiting for the verdict ------------------------------------

  /* POST a comment or reply; resolves to its new element (or nothing on failure). */
  W.post = function (area, submit, parent) {
    var self = this, t = this.t;
    if (!area.value.trim()) {
      this.say(t.needText, true);
      area.focus();
      return Promise.resolve(null);
    }
    var body = { body: area.value };
    if (parent) body.parent = parent;
    if (!hold(submit)) return Promise.resolve(null);
    return this.api('POST', '/articles/' + encodeURIComponent(this.slug) + '/comments/', body).then(function (c) {
      self.mine.set(c.id, c);
      area.value = '';
      self.say(t.posted);
      self.watch(c.id);
      return self.renderComment(c);
    }, function (error) {
      self.say(self.problem(error), true);
      return null;
    }).then(function (li) {
      release(submit);
      if (li) self.empty.hidden = true;
      return li;
    });
  };

  /* Ask for the comment's status with a growing pause until the worker has
   * decided; a comment held for a moderator stays "awaiting moderation". */
  W.watch = function (id, firstDelay) {
    var self = this, delay = firstDelay || POLL_FIRST, until = Date.now() + POLL_FOR;
    clearTimeout(this.timers.get(id));
    function tick() {
      var entry = self.entries.get(id);
      if (!entry || entry.c.status !== 'pending') return;
      self.api('GET', '/comments/' + id + '/').then(function (c) {
        if (c.status === 'pending') return true;
        self.mine.set(c.id, c);
        entry.c.status = c.status;
        entry.c.body = c.body;
        if (c.status === 'published') self.setCount(self.count + 1);
        self.paint(entry);
        self.say(c.status === 'published' ? self.t.published : self.t.notPublished);
        return false;
      }, function (error) {
        if (error.status !== 404) return true;
        self.forget(entry);  // deleted elsewhere or removed by a moderator
        return false;
      }).then(function (again) {
        delay = Math.min(delay * 2, POLL_MAX);
        if (again && Date.now() < until) self.timers.set(id, setTimeout(tick, delay));
      });
    }
    this.timers.set(id, setTimeout(tick, delay));
  };

  // --- Account and the comment form ------------------------------------------

  W.renderAccount = function () {
    var self = this, t = this.t;
    if (this.user) {
      this.nameEl = h('strong', {}, this.user.display_name || this.user.username);
      var change = h('button', {
        type: 'button', 'class': 'stm-link', 'aria-expanded': 'false', 'aria-controls': this.id('nameform'),
        onclick: function () { self.nameForm(change); }
      }, t.changeName);
      this.account.replaceChildren(h('p', {}, t.signedInAs, this.nameEl, roles(this.user.badges, t),
        this.user.moderator ? h('span', { 'class': 'stm-role stm-staff-badge' }, t.staff) : null, ' ', change, ' ',
        this.token ? h('button', { type: 'button', 'class': 'stm-link', onclick: function () { self.signOut(); } }, t.signOut) : null));
    } else {
      this.account.replaceChildren(h('p', {}, t.signInPrompt, ' ',
        h('button', { type: 'button', onclick: function () { self.authForm(false); } }, t.signIn), ' ',
        h('button', { type: 'button', onclick: function () { self.authForm(true); } }, t.register)));
    }
    this.renderComposer();
  };

  W.renderComposer = function () {
    var self = this, t = this.t;
    this.compose = null;
    if (!this.open) {
      this.composer.replaceChildren(h('p', { 'class': 'stm-closed' }, t.closed));
      return;
    }
    if (!this.user) {
      this.composer.replaceChildren();
      return;
    }
    var field = this.textField(t.yourComment);
    var submit = h('button', { type: 'submit' }, t.send);
    this.compose = field.area;
    this.composer.replaceChildren(h('form', { 'class': 'stm-form', onsubmit: function (event) {
      event.preventDefault();
      self.post(field.area, submit, null).then(function (li) {
        if (!li) return null;
        // On the picks tab the new comment is shown in the whole thread, in its place.
        if (self.view !== 'all') return self.setView('all').then(function () {
          var entry = self.entries.get(Number(li.getAttribute('data-id')));
          if (entry) entry.li.focus();
        });
        self.place(li);
        li.focus();
      });
    } }, field.label, field.area, h('p', { 'class': 'stm-hint' }, t.hint), h('div', { 'class': 'stm-buttons' }, submit)));
  };

  /* Registering asks the reader to agree to the discussion rules and the privacy
   * notice, whose addresses the backend names (GET /auth/register/). */
  W.authForm = function (registering) {
    var self = this;
    if (!registering || this.terms) return this.showAuthForm(registering);
    return this.api('GET', '/auth/register/').then(function (terms) {
      self.terms = terms;
      self.showAuthForm(true);
    }, function (error) { self.say(self.problem(error), true); });
  };

  W.showAuthForm = function (registering) {
    var self = this, t = this.t;
    function input(name, label, attrs) {
      var id = self.id(name);
      attrs.id = id;
      attrs.name = name;
      return [h('label', { 'for': id }, label), h('input', attrs)];
    }
    var username = input('username', t.username, { autocomplete: 'username', required: true, maxlength: 150 });
    var password = input('password', t.password, {
      type: 'password', required: true, autocomplete: registering ? 'new-password' : 'current-password'
    });
    var display = registering ? input('display_name', t.displayName, { autocomplete: 'nickname', maxlength: 50 }) : null;
    var consent = null;
    if (registering) {
      var box = h('input', { type: 'checkbox', id: this.id('consent'), name: 'consent', required: true });
      var link = function (text, href) { return h('a', { href: href, target: '_blank', rel: 'noopener' }, text); };
      consent = h('div', { 'class': 'stm-choice' }, box, h('label', { 'for': box.id },
        t.consent[0], link(t.consent[1], this.terms.netiquette_url), t.consent[2],
        link(t.consent[3], this.terms.privacy_url), t.consent[4]));
    }
    var submit = h('button', { type: 'submit' }, registering ? t.register : t.signIn);
    var form = h('form', { 'class': 'stm-form stm-auth', onsubmit: function (event) {
      event.preventDefault();
      var data = { username: username[1].value, password: password[1].value };
      if (display && display[1].value.trim()) data.display_name = display[1].value.trim();
      if (consent) data.consent = consent.querySelector('input').checked;
      if (!hold(submit)) return;
      self.api('POST', registering ? '/auth/register/' : '/auth/token/', data).then(function (result) {
        self.setToken(result.token);
        return self.loadMe();
      }).then(function () {
        self.renderAccount();
        self.say(t.signedIn);
        (self.compose || self.heading).focus();
        return self.loadPage(true).then(function () { return self.loadMine(); })
          .then(function () { return self.loadDecisions(); });
      }, function (error) {
        release(submit);
        self.say(self.problem(error), true);
      });
    } },
      h('fieldset', {}, h('legend', {}, registering ? t.registerTitle : t.signIn), username, password, display, consent),
      h('div', { 'class': 'stm-buttons' }, submit,
        h('button', { type: 'button', onclick: function () { self.renderAccount(); self.account.querySelector('button').focus(); } }, t.cancel),
        h('button', { type: 'button', 'class': 'stm-link', onclick: function () { self.authForm(!registering); } },
          registering ? t.toSignIn : t.toRegister)));
    this.account.replaceChildren(form);
    username[1].focus();
  };

  /* The display name ("" for the username); a refusal shows next to the field. The
   * API names authors as they are now: the reader's own comments get the new name. */
  W.nameForm = function (opener) {
    var self = this, t = this.t, id = this.id('name');
    var form = this.account.querySelector('form');
    function close() {
      form.remove();
      opener.setAttribute('aria-expanded', 'false');
      opener.focus();
    }
    if (form) return close();
    var input = h('input', { id: id, autocomplete: 'nickname', maxlength: 50, 'aria-describedby': id + 'e' });
    var message = h('p', { id: id + 'e', 'class': 'stm-field-error', 'aria-live': 'polite' });
    var submit = h('button', { type: 'submit' }, t.save);
    input.value = this.user.display_name;
    form = h('form', { id: this.id('nameform'), 'class': 'stm-form', onkeydown: function (event) {
      if (event.key === 'Escape') close();
    }, onsubmit: function (event) {
      event.preventDefault();
      if (!hold(submit)) return;
      self.api('PATCH', '/me/', { display_name: input.value }).then(function (me) {
        var name = me.display_name || me.username;
        self.user = me;
        self.nameEl.textContent = name;
        self.mine.forEach(function (c, key) {
          var entry = self.entries.get(key);
          c.author = name;
          if (entry) { entry.c.author = name; self.paint(entry); }
        });
        if (form.isConnected) close();
        self.say(t.nameChanged);
      }, function (error) {
        release(submit);
        var refusal = error.status === 400 && error.data.display_name;
        if (refusal) {
          message.textContent = [].concat(refusal).join(' ');
          input.setAttribute('aria-invalid', 'true');
          input.focus();
          return;
        }
        self.say(self.problem(error), true);
        if (!self.user) self.account.querySelector('button').focus();
      });
    } }, h('label', { 'for': id }, t.newName), input, message,
      h('div', { 'class': 'stm-buttons' }, submit, h('button', { type: 'button', onclick: close }, t.cancel)));
    this.account.append(form);
    opener.setAttribute('aria-expanded', 'true');
    input.focus();
  };

  /* The server revokes the token; this browser forgets it whatever the answer, so
   * that signing out works offline too (the token then stays valid on the server). */
  W.signOut = function () {
    if (this.token) this.api('DELETE', '/auth/token/').catch(function () {});
    this.signedOut();
    this.say(this.t.signedOut);
    this.loadPage(true);
    var button = this.account.querySelector('button');
    if (button) button.focus();
  };

  // --- Start -----------------------------------------------------------------

  function mount(root) {
    if (root.stammtisch) return root.stammtisch;
    root.stammtisch = new Widget(root);
    return root.stammtisch;
  }

  function mountAll() {
    return Array.prototype.map.call(document.querySelectorAll('[data-stammtisch-article]'), mount);
  }

  window.Stammtisch = {
    mount: mount,
    /* Sign the reader in on every widget of the page with a JWT the page made. */
    login: function (jwt) {
      var all = mountAll();
      if (!all.length) return Promise.resolve();
      return all[0].sso(jwt).then(function () {
        return Promise.all(all.map(function (w) { return w.refresh(); }));
      });
    },
    logout: function () {
      mountAll().forEach(function (w) { if (w.user || w.token) w.signOut(); });
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mountAll);
  else mountAll();
})();
