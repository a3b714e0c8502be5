export * from './agents.ts'
export * from './auth.ts'
export * from './directory.ts'
export * from './platform.ts'
