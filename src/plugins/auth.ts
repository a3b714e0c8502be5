import fastifyJwt from '@fastify/jwt'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Deps } from '../deps.ts'
import { AppError } from '../lib/errors.ts'
import { type AccessRule, checkAccess, type Principal } from '../lib/principal.ts'
import { TtlCache } from '../modules/auth/auth-cache.ts'
import { type AccessClaims, looksLikeApiKey, principalFromApiKey, principalFromClaims } from '../modules/auth/auth.service.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route. `'public'` for the few open ones; every other route names its rule. */
    auth?: AccessRule | 'public'
  }
  interface FastifyRequest {
    principal: Principal | null
  }
}

/** HS256 only: a token naming another algorithm (including `none`) is refused. */
export const JWT_ALGORITHM = 'HS256'

function admit(request: FastifyRequest, principal: Principal, rule: AccessRule): void {
  request.principal = principal
  checkAccess(principal, rule)
}

/**
 * Authentication and authorization for every route, in one onRequest hook. A route that
 * declares no rule fails at start-up, so no endpoint can ship unguarded by omission.
 */
export default fp(
  async (app: FastifyInstance, opts: { deps: Deps }) => {
    const { deps } = opts
    await app.register(fastifyJwt, {
      secret: deps.config.jwtSecrets[0]!,
      sign: { algorithm: JWT_ALGORITHM, expiresIn: deps.config.ACCESS_TOKEN_TTL_SECONDS },
      verify: { algorithms: [JWT_ALGORITHM], requiredClaims: ['exp', 'iat', 'sub'] },
    })

    /**
     * Verifies against the current secret, then the previous one (rotation): only a bad
     * signature moves on to the next secret; expiry and malformed tokens fail at once.
     * The injected clock decides expiry, so tests and the signer agree on "now".
     */
    const verifyAccessToken = (token: string): Partial<AccessClaims> => {
      const clockTimestamp = deps.clock.now().getTime()
      const known = verifiedTokens.peek(token)
      if (known && typeof known.exp === 'number' && known.exp * 1000 > clockTimestamp) return known
      let failure: unknown
      for (const key of deps.config.jwtSecrets) {
        try {
          const claims = app.jwt.verify<Partial<AccessClaims>>(token, { key, clockTimestamp })
          verifiedTokens.set(token, claims)
          return claims
        } catch (e) {
          failure = e
          if ((e as { code?: string }).code !== 'FAST_JWT_INVALID_SIGNATURE') break
        }
      }
      throw failure
    }
    /**
     * Tokens whose signature checked out, by their exact text, for a few seconds: a client sends
     * the same token on every request, and verifying it (a fresh verifier per call, since the key
     * and clock are passed per call, plus an HMAC) was the largest cost of a request with no
     * database work. Expiry is still checked on every request against the injected clock;
     * revocation is checked after this by principalFromClaims.
     */
    const verifiedTokens = new TtlCache<Partial<AccessClaims> & { exp?: number }>()
    app.decorateRequest('principal', null)

    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/docs')) {
        route.config = { ...route.config, auth: 'public' }
        return
      }
      const auth = (route.config as { auth?: unknown } | undefined)?.auth
      if (!auth) throw new Error(`route ${route.method} ${route.url} declares no access rule (config.auth)`)
      if (auth !== 'public') {
        route.schema = { ...route.schema, security: [{ bearerAuth: [] }] }
      }
    })

    /** The request's principal, checked against the route's rule: synchronous unless something must be read. */
    const authenticate = (request: FastifyRequest): Promise<void> | undefined => {
      const rule = request.routeOptions.config.auth
      const header = request.headers.authorization
      if (rule === 'public' || rule === undefined) return
      if (!header) throw new AppError('UNAUTHENTICATED', 'send Authorization: Bearer <access token or API key>')
      const m = /^Bearer ([^\s]+)$/i.exec(header)
      if (!m) throw new AppError('UNAUTHENTICATED', 'the Authorization header must be "Bearer <token>"')
      const token = m[1]!
      let principal: Principal | Promise<Principal>
      if (looksLikeApiKey(token)) {
        principal = principalFromApiKey(deps, token)
      } else {
        let claims: Partial<AccessClaims>
        try {
          claims = verifyAccessToken(token)
        } catch (e) {
          const expired = (e as { code?: string }).code === 'FAST_JWT_EXPIRED'
          throw new AppError('INVALID_TOKEN', expired ? 'the access token has expired; refresh it' : 'the access token is not valid')
        }
        principal = principalFromClaims(deps, claims)
      }
      if (principal instanceof Promise) return principal.then((p) => admit(request, p, rule))
      admit(request, principal, rule)
    }
    // Callback style: an async hook costs every request a promise and a microtask turn, and a
    // request with a cached token and agent needs neither (bench/http-hooks.ts).
    app.addHook('onRequest', (request, _reply, done) => {
      let pending: Promise<void> | undefined
      try {
        pending = authenticate(request)
      } catch (e) {
        return done(e as Error)
      }
      if (pending) pending.then(() => done(), done)
      else done()
    })
  },
  { name: 'auth' },
)
