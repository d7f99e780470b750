import type { Configuration } from 'oidc-provider';

/**
 * How oidc-provider fetches the URIs a client registered (its jwks_uri, its back-channel
 * logout URI). oidc-provider hands every such request a dispatcher that refuses loopback,
 * private and other special-use addresses (its SSRF protection); Stepup keeps it unless the
 * operator deliberately allows such addresses (`allowPrivateClientUris`), for applications
 * that live on the same machine or network.
 */
export function clientUriFetch(allowPrivateAddresses: boolean): NonNullable<Configuration['fetch']> {
  return (input, init) => {
    if (allowPrivateAddresses && init) delete (init as { dispatcher?: unknown }).dispatcher;
    return globalThis.fetch(input, init);
  };
}
