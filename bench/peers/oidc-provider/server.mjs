// SPDX-License-Identifier: BSD-2-Clause
// panva's oidc-provider as a peer for bench/run: one client_credentials client, ES256 JWT access
// tokens (resource indicators), introspection; listens on 127.0.0.1 only. The default in-memory
// adapter: nothing is persisted. Environment: PORT, CLIENT_ID, CLIENT_SECRET.
//
// oidc-provider refuses to introspect its JWT access tokens ("Structured JWT Tokens cannot be
// introspected"): a token for the resource urn:tessera:opaque is an opaque one, kept in the
// in-memory adapter, and that is what the introspection scenario presents.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 8142);
const host = '127.0.0.1';
const resource = 'urn:tessera:bench';
const opaque = 'urn:tessera:opaque';
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const provider = new Provider(`http://${host}:${port}`, {
  clients: [{
    client_id: process.env.CLIENT_ID || 'bench',
    client_secret: process.env.CLIENT_SECRET || 'bench-secret',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [{ ...key, kid: 'bench', alg: 'ES256', use: 'sig' }] },
  scopes: ['api'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => ({
        scope: 'api',
        audience: indicator,
        accessTokenFormat: indicator === opaque ? 'opaque' : 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
// No per-request logging; errors only.
provider.on('server_error', (ctx, err) => console.error('server_error', err));
provider.listen(port, host, () => console.log(`oidc-provider listening on http://${host}:${port}`));
