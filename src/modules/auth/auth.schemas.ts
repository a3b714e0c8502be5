import { Type } from 'typebox'
import { Body, DateTime, Email, Name, Uuid } from '../../lib/schemas.ts'

export const LoginBody = Body({ email: Email(), password: Type.String({ minLength: 1, maxLength: 1024 }) })
export const RefreshBody = Body({ refreshToken: Type.String({ minLength: 1, maxLength: 200 }) })
export const TokenPairSchema = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds until the access token expires' }),
  refreshToken: Type.String(),
  refreshExpiresAt: DateTime(),
})
export const Password = Type.String({ minLength: 12, maxLength: 1024, description: 'at least 12 characters' })
export const BootstrapBody = Body({
  bootstrapToken: Type.String({ minLength: 1, maxLength: 200 }),
  email: Email(),
  name: Name(),
  password: Password,
})
export const Me = Type.Object({
  kind: Type.Union([Type.Literal('agent'), Type.Literal('apiKey'), Type.Literal('contact')]),
  id: Uuid(),
  name: Type.String(),
  role: Type.Optional(Type.String()),
  scopes: Type.Optional(Type.Array(Type.String())),
  organizationId: Type.Optional(Uuid()),
})
