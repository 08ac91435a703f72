// Stand-in for China Unicom's verification script (window.CUAU), as the vendor's Web SDK uses it: getAuthCode(appId)
// asks the page's authCuSign() (the SDK's inline script) to sign, then answers with a window message
// {msgtype: '2', code, operatorType, accessCode} or {msgtype: '2', code, msg, msgid}. The "gateway" is
// tests/e2e/standins/vendor.mjs; like the real script as the SDK sees it, it has no timeout.
(function () {
  var gateway = new URL('../../carrier/CU/token', document.currentScript.src).href;
  window.CUAU = {
    getAuthCode: function (appId) {
      var sign = window.authCuSign('presign-' + appId);
      fetch(gateway + '?sign=' + encodeURIComponent(sign), { method: 'POST' })
        .then(function (res) { return res.json(); })
        .then(function (r) {
          window.postMessage(r.token
            ? { msgtype: '2', code: 0, operatorType: 'CU', accessCode: r.token }
            : { msgtype: '2', code: String(r.code), msg: r.message || '', msgid: 'standin' }, '*');
        }, function (e) {
          window.postMessage({ msgtype: '2', code: '-1', msg: String(e && e.message), msgid: 'standin' }, '*');
        });
    },
  };
})();
