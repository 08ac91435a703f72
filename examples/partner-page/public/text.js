// The page's own texts (nv-web's messages come from nv-web, in the same locale): ?lang=en or zh-CN.
export const lang = new URLSearchParams(location.search).get('lang') === 'zh-CN' ? 'zh-CN' : 'en';
const TEXT = {
  en: { title: 'Verify your phone number', other: 'The same with the other integration', simTitle: 'Sandbox: the simulated phone',
    simNetwork: 'Its network', simPhone: 'Its SIM\'s number', simUse: 'Use this phone', cellular: 'Mobile data', wifi: 'Wi-Fi',
    phone: 'Phone number', consent: 'I accept', verify: 'Verify', ready: 'Ready.', cannot: 'Carrier verification is not available here:',
    backend: 'Our backend checked the signed result:', rejected: 'Our backend refused the result:' },
  'zh-CN': { title: '验证手机号', other: '另一种接入方式', simTitle: '沙箱：模拟手机', simNetwork: '网络', simPhone: 'SIM 卡号码',
    simUse: '使用此手机', cellular: '移动数据', wifi: 'Wi-Fi', phone: '手机号', consent: '我已阅读并同意', verify: '一键校验',
    ready: '已就绪。', cannot: '本机号码校验暂不可用：', backend: '我方后端已校验签名结果：', rejected: '我方后端拒绝了结果：' },
};
export const t = TEXT[lang];

export function applyTexts() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) if (t[el.dataset.t]) el.textContent = t[el.dataset.t];
}

// Where nv-server's API is (the partner's server says: NV_API).
export async function apiBase() {
  return (await (await fetch('/config.json')).json()).api;
}

// The simulated phone (sandbox only): a device on nv-server's sandbox, with the SIM's number and its network.
export async function simulatedPhone(api, phone, network) {
  const res = await fetch(new URL('/sandbox/devices', api), { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone, network }) });
  const j = await res.json();
  if (!res.ok) throw new Error(j.error ? j.error.message : `HTTP ${res.status}`);
  return j.deviceId;
}

// The partner's backend checks the assertion (server.mjs, POST /api/session) before trusting the result.
export async function toBackend(assertion, out) {
  const res = await fetch('/api/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ assertion }) });
  const j = await res.json();
  out.dataset.ok = String(res.ok);
  out.textContent = res.ok ? `${t.backend} ${j.phone_number} (${j.amr.join(', ')}, ${j.operator})` : `${t.rejected} ${j.error}`;
}
