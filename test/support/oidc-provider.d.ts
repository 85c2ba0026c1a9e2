/** The few members of `oidc-provider` (it ships no types) that the single sign-on suite uses. */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    /** The provider as a Node.js request listener. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
  }
}
