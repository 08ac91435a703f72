// Stand-in for China Mobile's verification script (window.YDRZ), as the vendor's Web SDK uses it: getSign(appId,
// version) and getTokenInfo({data, success, error}), answering {code: '000000', token} or a carrier code. The
// "gateway" is tests/e2e/standins/vendor.mjs, which asks nv-server's sandbox for the simulated device's token. Like
// the real script as the SDK sees it, it has no timeout: when the gateway never answers, neither does it.
(function () {
  var gateway = new URL('../../carrier/CM/token', document.currentScript.src).href;
  window.YDRZ = {
    getSign: function (appId, version) { return 'presign-' + appId + '-' + version; },
    getTokenInfo: function (options) {
      fetch(gateway + '?appId=' + encodeURIComponent(options.data.appId), { method: 'POST' })
        .then(function (res) { return res.json(); })
        .then(function (r) {
          if (r.token) options.success({ code: '000000', token: r.token, userInformation: '' });
          else options.success({ code: String(r.code), message: r.message || '' });
        }, function (e) { options.error({ code: '200050', message: String(e && e.message), msgId: '' }); });
    },
  };
})();
