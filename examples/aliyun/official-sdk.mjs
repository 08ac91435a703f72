// Alibaba Cloud's official Node SDK for Dypnsapi (@alicloud/dypnsapi20170525, on @alicloud/openapi-core), unmodified,
// asking GetAuthToken and then VerifyPhoneWithToken for one spToken and number. It prints one JSON line per answer.
//
//   node examples/aliyun/official-sdk.mjs ENDPOINT SPTOKEN PHONE [ORIGIN]
//
// ENDPOINT is host[:port]: dypnsapi.aliyuncs.com (https), or the nv-server sandbox's own listener (http, shown by
// GET /sandbox as aliyun.endpoint). The AccessKey pair comes from NV_ALIYUN_ACCESS_KEY_ID and
// NV_ALIYUN_ACCESS_KEY_SECRET, else the sandbox's pair; the scheme code from NV_ALIYUN_SCENE_CODE, else the
// sandbox's.
import Dypnsapi, * as models from '@alicloud/dypnsapi20170525';
import * as OpenApi from '@alicloud/openapi-core';

const [endpoint, spToken, phone, origin = 'https://partner.example'] = process.argv.slice(2);
if (!endpoint || !spToken || !phone) {
  console.error('usage: node examples/aliyun/official-sdk.mjs ENDPOINT SPTOKEN PHONE [ORIGIN]');
  process.exit(2);
}
const sandbox = !process.env.NV_ALIYUN_ACCESS_KEY_ID;
const Client = Dypnsapi.default ?? Dypnsapi;
const client = new Client(new OpenApi.$OpenApiUtil.Config({
  accessKeyId: process.env.NV_ALIYUN_ACCESS_KEY_ID ?? 'sandbox-aliyun-id',
  accessKeySecret: process.env.NV_ALIYUN_ACCESS_KEY_SECRET ?? 'sandbox-aliyun-secret',
  endpoint,
  protocol: sandbox ? 'http' : 'https',
}));
const sceneCode = process.env.NV_ALIYUN_SCENE_CODE ?? 'FC100000000000001';

try {
  const auth = await client.getAuthToken(new models.GetAuthTokenRequest({ url: `${origin}/`, origin, sceneCode, bizType: 0 }));
  console.log(JSON.stringify({ action: 'GetAuthToken', code: auth.body.code, hasAccessToken: !!auth.body.tokenInfo?.accessToken }));
  const v = await client.verifyPhoneWithToken(new models.VerifyPhoneWithTokenRequest({ phoneNumber: phone, spToken }));
  console.log(JSON.stringify({ action: 'VerifyPhoneWithToken', code: v.body.code, verifyResult: v.body.gateVerify?.verifyResult ?? null }));
} catch (e) {
  // The SDK throws for gateway refusals (SignatureDoesNotMatch, ...): code and message say why.
  console.log(JSON.stringify({ error: e.code, status: e.statusCode, message: String(e.message).split('\n')[0] }));
  process.exit(1);
}
