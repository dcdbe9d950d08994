// A real OpenID Provider (the npm package oidc-provider) for the single sign-on tests.
//
//   node tests/tools/oidc_provider.mjs CONFIG.json
//
// CONFIG.json: {"port": 0, "client": {client_id, client_secret, redirect_uris,
//   post_logout_redirect_uris}, "accounts": {"<login>": {<claims>}}, "scopes": {"<scope>": [claims]}}
// Logins use the provider's own development login and consent pages (any password is accepted:
// the provider is the test counterpart; what we test is our relying party). Prints
// "READY <issuer>" once listening on 127.0.0.1.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

import Provider from "oidc-provider";

const config = JSON.parse(readFileSync(process.argv[2], "utf8"));

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

const port = config.port || (await freePort());
const issuer = `http://127.0.0.1:${port}`;
const accounts = config.accounts || {};
const scopes = config.scopes || {};

const provider = new Provider(issuer, {
  clients: [
    {
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
      ...config.client,
    },
  ],
  scopes: ["openid", "offline_access", ...Object.keys(scopes)],
  claims: { openid: ["sub"], profile: ["name"], ...scopes },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...(accounts[id] || {}) };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ["liangge-zeren-test-only-cookie-key"] },
  pkce: { required: () => false },
});

// Development-only warnings (dev keys, dev interactions) are expected here.
provider.on("server_error", (ctx, err) => console.error("server_error", err));

provider.listen(port, "127.0.0.1", () => {
  console.log(`READY ${issuer}`);
});
