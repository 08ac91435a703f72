// A stand-in for the vendor's Web SDK (Jiguang JVerification Web SDK 2.0.0), for the browser suite: it defines
// window.JVerificationInterface and behaves as the SDK's code does, not only as its documents read. Written for
// these tests from a reading of the SDK's unminified source (example/jverification-web-debug.js in the public
// repository qzHub/JG-JVerification-web-demo); none of its code is here. Each behaviour names the SDK function it
// comes from. What it leaves out: the token's encryption (_encryptToken: RSA + AES, which the vendor's server
// undoes; the sandbox's tokens pass as they are), the CT response's AES layer, logging, one-click login.
//
// Where the real SDK talks to https://h5.verification.jiguang.cn and the carriers' hosts, this one talks to the
// origin it was loaded from (tests/e2e/standins/vendor.mjs), which stands in for the vendor and the carriers and
// asks nv-server's sandbox gateways for the simulated device's tokens. Loading the script again makes a fresh
// instance, as loading the real SDK again does.
(function () {
  'use strict';
  var here = new URL('.', document.currentScript.src);
  var at = function (path) { return new URL(path, here).href; };
  var TIMEOUT = 5000; // JGCons.REQUEST.TIME_OUT: the SDK's XHR and JSONP timeout
  var ORDER = ['CM', 'CU', 'CT']; // OperaterControl.mOperaterArr

  // JGMsgUtil.buildCallbakMsg: {code, message, content}
  var MESSAGES = { 0: 'success', 1000: 'unknown error', 1001: 'initing , please try again later', 1002: 'empty appkey',
    1003: 'init failed', 1004: 'init timeout', 1005: 'no internet', 2001: 'please call init correctly first',
    2002: 'getToken faild', 2003: 'token requesting, please try again later', 2004: 'not support',
    2005: 'operater has to be one of CM,CT,CU' };
  function msg(code, content) { return { code: code, message: MESSAGES[code] || '', content: content }; }

  // JGUtil.isOnLine / isWifi / isDesktop
  function isOnLine() { return typeof navigator.onLine === 'boolean' ? navigator.onLine : true; }
  function isWifi() { var c = navigator.connection; return !!(c && c.type && c.type.toUpperCase() === 'WIFI'); }
  function isDesktop() { return !/Android|webOS|iPhone|iPad|iPod|BlackBerry/i.test(navigator.userAgent); }

  // RequestHelper.http (async): XHR with the 5 s timeout; only 200 succeeds; a 403's body or "request failed with
  // status N" otherwise; onerror/onabort are REQUEST_ERROR, ontimeout REQUEST_TIME_OUT.
  function http(url, params) {
    return new Promise(function (resolve, reject) {
      var q = Object.keys(params).map(function (k) { return encodeURIComponent(k) + '=' + encodeURIComponent(params[k]); });
      var xhr = new XMLHttpRequest();
      xhr.open('GET', url + '?' + q.join('&'), true);
      xhr.timeout = TIMEOUT;
      xhr.onload = function () {
        if (xhr.status === 200) resolve(xhr.responseText);
        else reject({ code: 3, result: xhr.status === 403 ? xhr.responseText : 'request failed with status ' + xhr.status });
      };
      xhr.onerror = function () { reject({ code: 2, result: 'request error' }); };
      xhr.onabort = function () { reject({ code: 2, result: 'request onabort' }); };
      xhr.ontimeout = function () { reject({ code: 1, result: 'request timeout' }); };
      xhr.send(null);
    });
  }

  // RequestHelper.jsonp: a <script> with a fixed callback name and its own 5 s timeout ("request timeout").
  function jsonp(url, callback, success, fail) {
    var head = document.head;
    var s = document.createElement('script');
    head.appendChild(s);
    window[callback] = function (json) {
      head.removeChild(s);
      clearTimeout(s.timer);
      window[callback] = null;
      success(json);
    };
    s.src = url;
    s.timer = setTimeout(function () {
      window[callback] = null;
      head.removeChild(s);
      fail({ message: 'request timeout' });
    }, TIMEOUT);
  }

  function addScript(src) { // JGUtil.addScript
    var s = document.createElement('script');
    s.src = src;
    document.head.appendChild(s);
  }

  // The carriers (operater/impl/OperaterCM, OperaterCU, OperaterCT). init() runs when OperaterControl is made, on
  // init's success, and adds the carrier's scripts; getToken() returns a promise rejected with a reason string.
  function waitFor(name, label, go, reject) {
    // OperaterCM/OperaterCU.getToken: checked at once, then every 500 ms, 10 times (CM_CHECK_SRC_TIME/COUNT).
    if (typeof window[name] !== 'undefined') return go();
    var count = 0;
    var timer = setInterval(function () {
      count++;
      if (typeof window[name] !== 'undefined') { clearInterval(timer); go(); }
      else if (count >= 10) { clearInterval(timer); reject('load ' + label + ' failed'); }
    }, 500);
  }

  function makeCarriers(appKey, ids) {
    return {
      CM: {
        init: function () { addScript(at('carrier/cm/ydrz.js')); }, // CM_YDRZ (the login scripts are left out)
        getToken: function () {
          return new Promise(function (resolve, reject) {
            if (!ids.CM) return reject('CM appid is empty');
            waitFor('YDRZ', 'YDRZ', function () {
              var preSign = window.YDRZ.getSign(ids.CM, '1.2');
              // OperaterCM._getToken: the vendor signs, then the carrier's script answers; nothing bounds the
              // carrier's answer: if it never calls back, this promise never settles.
              http(at('v1/open/sign/cm'), { appKey: appKey, preSign: preSign }).then(function (text) {
                var sign = JSON.parse(text).sign;
                window.YDRZ.getTokenInfo({
                  data: { version: '1.2', appId: ids.CM, sign: sign, openType: '1' },
                  success: function (res) {
                    if (res.code === '000000') resolve(res.token);
                    else reject(res.code + '|' + res.message);
                  },
                  error: function (e) { reject(e.code + '|' + e.message + '|' + e.msgId); },
                });
              }, function () { reject('request sign failed'); });
            }, reject);
          });
        },
      },
      CU: {
        init: function () {
          // OperaterCU.init: a container with a fixed id, and an inline script defining authCuSign (which the
          // carrier's script calls): a page whose CSP forbids inline scripts breaks CU here.
          var div = document.createElement('div');
          div.id = 'unicomAuth';
          document.body.appendChild(div);
          var inline = document.createElement('script');
          inline.text = 'function authCuSign(p){return JVerificationInterface._getCUSign(p);}';
          document.body.appendChild(inline);
          addScript(at('carrier/cu/cuau.js'));
        },
        getToken: function () {
          return new Promise(function (resolve, reject) {
            if (!ids.CU) return reject('CU appid is empty');
            waitFor('CUAU', 'CUAU', function () {
              // OperaterCU._getToken: the answer comes as a window message (msgtype "2"); the listener is never
              // removed and nothing bounds the wait.
              window.addEventListener('message', function (event) {
                var res = event.data;
                if (!res || res.msgtype !== '2') return;
                if (res.code == 0) { // eslint-disable-line eqeqeq
                  if (res.operatorType !== 'CU') reject('current operater is not CU');
                  else resolve(res.accessCode);
                } else {
                  reject(res.code + '|' + res.msg + '|' + res.msgid);
                }
              }, false);
              window.CUAU.getAuthCode(ids.CU);
            }, reject);
          });
        },
        // OperaterCU.sign: a synchronous XHR to the vendor; the preSign itself when it fails.
        sign: function (preSign) {
          var xhr = new XMLHttpRequest();
          xhr.open('GET', at('v1/open/sign/cu') + '?appKey=' + encodeURIComponent(appKey) + '&preSign=' + encodeURIComponent(preSign), false);
          xhr.send(null);
          return xhr.status === 200 ? JSON.parse(xhr.responseText).sign : preSign;
        },
      },
      CT: {
        init: function () {
          // OperaterCT.init: a hidden button, and the login script over plain HTTP (CT_LOGIN_SRC), which an HTTPS
          // page blocks as mixed content; verification does not need it.
          var bt = document.createElement('button');
          bt.id = 'jg-ct-fix-btn';
          bt.style.display = 'none';
          document.body.appendChild(bt);
        },
        getToken: function () {
          return new Promise(function (resolve, reject) {
            // OperaterCT.getToken: the vendor signs, then a JSONP to the carrier, which has the 5 s timeout.
            http(at('v1/open/sign/ct'), { appKey: appKey, aesKey: 'standin' }).then(function (text) {
              var sign = JSON.parse(text).sign;
              jsonp(at('carrier/ct/preauth?') + sign, 'tCallback', function (ds) {
                if (ds.result == 0) { // eslint-disable-line eqeqeq
                  if (ds.data.operatorType !== 'CT') reject('current operater is not CT');
                  else resolve(ds.data.accessCode);
                } else {
                  reject(ds.result + '|' + ds.msg);
                }
              }, function () { reject('request token error'); });
            }, function () { reject('request sign failed'); });
          });
        },
      },
    };
  }

  // OperaterControl: the order (the carrier asked first, then CM, CU, CT), one request at a time.
  function Control(appKey, ids, isp) {
    this.carriers = makeCarriers(appKey, ids);
    this.first = isp || 'CM'; // setFirstOprater(initResult.isp)
    this.busy = false; // mIsGetToken
    for (var i = 0; i < ORDER.length; i++) this.carriers[ORDER[i]].init();
  }
  Control.prototype.getToken = function (succ, fail, first) {
    if (this.busy) return fail(msg(2003)); // OperaterControl.getToken: one request at a time
    if (first && !this.carriers[first]) return fail(msg(2005));
    this.busy = true;
    var start = first || this.first; // _sortOperaterArr
    var queue = [start].concat(ORDER.filter(function (o) { return o !== start; }));
    var errors = {};
    var self = this;
    var next = function () { // _getToken: each carrier in turn until one answers
      var op = queue.shift();
      if (!op) {
        self.busy = false;
        return fail(msg(2002, { CM: errors.CM, CT: errors.CT, CU: errors.CU }));
      }
      self.carriers[op].getToken().then(function (token) {
        self.busy = false;
        // buildOperaterCallbakMsg: the carrier that answered
        succ({ code: 0, operater: op, message: MESSAGES[0], content: token });
      }, function (reason) {
        errors[op] = reason;
        next();
      });
    };
    next();
  };

  // JVerificationClient
  var status = 'INITFAIL'; // mInitStatu
  var control = null;
  function checkVerifyEnable() { return !(isWifi() || isDesktop() || !isOnLine()); }

  window.JVerificationInterface = {
    // JVerificationClient.init: 1001 while initing, 1002 without an appkey, success when already done, 1005 offline;
    // then GET /v1/open/init, and ANY HTTP 200 whose body parses is success (the carrier ids may be missing);
    // 403 and other statuses and network errors are 1003, the XHR timeout 1004; a failure allows init again.
    init: function (config) {
      var cb = { ok: config.success || function () {}, ko: config.fail || function () {} };
      window.JVerificationInterface.lastInitConfig = config; // for the tests: what the page passed
      if (status === 'INITING') return cb.ko(msg(1001));
      if (!config.appkey) return cb.ko(msg(1002));
      if (status === 'INITSUCC') return cb.ok(msg(0));
      if (!isOnLine()) return cb.ko(msg(1005));
      status = 'INITING';
      http(at('v1/open/init'), { appKey: config.appkey, probIsp: checkVerifyEnable() }).then(function (text) {
        var r;
        try {
          r = JSON.parse(text);
          control = new Control(config.appkey, { CM: r.cmApId, CU: r.cuApId, CT: r.ctApId }, r.isp);
        } catch (e) {
          status = 'INITFAIL';
          return cb.ko(msg(1003));
        }
        status = 'INITSUCC';
        cb.ok(msg(0));
      }, function (e) {
        status = 'INITFAIL';
        cb.ko(msg(e.code === 1 ? 1004 : 1003));
      });
    },
    isInitSuccess: function () { return status === 'INITSUCC'; },
    checkVerifyEnable: checkVerifyEnable,
    // JVerificationClient.getToken: 2001 before init, 2004 on Wi-Fi, a desktop or offline; then OperaterControl.
    getToken: function (config) {
      var ok = config.success || function () {};
      var ko = config.fail || function () {};
      if (status !== 'INITSUCC') return ko(msg(2001));
      if (!checkVerifyEnable()) return ko(msg(2004));
      try {
        control.getToken(ok, ko, config.operater);
      } catch (e) {
        ko(msg(1000));
      }
    },
    _getCUSign: function (preSign) { return control ? control.carriers.CU.sign(preSign) : preSign; },
  };
})();
