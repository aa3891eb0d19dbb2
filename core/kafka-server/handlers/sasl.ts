/**
 * SaslHandshake and SaslAuthenticate: the requests that drive the SASL
 * authenticator (../sasl.ts, which holds the rules: mechanisms, SCRAM,
 * what a failure closes). Registered only when the listeners have users.
 */
import { API_KEYS } from '../../protocol/index';
import { api, type ApiHandler } from '../context';
import { codeOf } from '../error-codes';

export const saslHandlers: ApiHandler[] = [
  api({
    apiKey: API_KEYS.SaslHandshake,
    // v0 would switch the connection to raw SASL tokens; clients that know SaslAuthenticate use v1, and a v0
    // request is refused as an unsupported version. 0 is advertised all the same, as Kafka does: librdkafka enables
    // SASL only when the advertised range includes v0 ("SASL Handshake not supported by broker" otherwise).
    minVersion: 1,
    advertisedMinVersion: 0,
    maxVersion: 1,
    handle(ctx, body) {
      const sasl = ctx.server.sasl!;
      const mechanisms = sasl.mechanisms();
      if (ctx.conn.authenticated || ctx.conn.sasl) {
        ctx.closeAfterResponse = true;
        return { errorCode: codeOf('ILLEGAL_SASL_STATE'), mechanisms };
      }
      const session = sasl.start(body.mechanism);
      if (!session) return { errorCode: codeOf('UNSUPPORTED_SASL_MECHANISM'), mechanisms };
      ctx.conn.sasl = session;
      return { errorCode: 0, mechanisms };
    },
  }),
  api({
    apiKey: API_KEYS.SaslAuthenticate,
    minVersion: 0,
    maxVersion: 2,
    handle(ctx, body) {
      const session = ctx.conn.sasl;
      const base = { authBytes: Buffer.alloc(0), sessionLifetimeMs: 0 };
      if (!session || ctx.conn.authenticated) {
        ctx.closeAfterResponse = true;
        return {
          ...base,
          errorCode: codeOf('ILLEGAL_SASL_STATE'),
          errorMessage: 'SaslAuthenticate without a SaslHandshake choosing a mechanism',
        };
      }
      const step = session.step(body.authBytes);
      if (step.outcome && !step.outcome.ok) {
        ctx.closeAfterResponse = true;
        ctx.conn.sasl = null;
        ctx.server.options.log({
          level: 'warn',
          type: 'auth-failed',
          brokerId: ctx.conn.brokerId,
          remote: ctx.conn.remote,
          clientId: ctx.conn.clientId,
          message: `${session.mechanism}: ${step.outcome.message}`,
        });
        return { ...base, errorCode: codeOf('SASL_AUTHENTICATION_FAILED'), errorMessage: step.outcome.message };
      }
      if (step.outcome?.ok) {
        ctx.conn.authenticated = true;
        ctx.conn.principal = step.outcome.principal;
        ctx.conn.sasl = null;
        ctx.server.options.log({
          level: 'info',
          type: 'authenticated',
          brokerId: ctx.conn.brokerId,
          remote: ctx.conn.remote,
          clientId: ctx.conn.clientId,
          message: `${session.mechanism} as ${step.outcome.principal}`,
        });
      }
      return { ...base, errorCode: 0, errorMessage: null, authBytes: step.response };
    },
  }),
];
