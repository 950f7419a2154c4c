import { createRequire } from 'node:module';

type Factory = (typeof import('@balena/dockerignore'))['default'];

/**
 * @balena/dockerignore is CommonJS (`module.exports = factory`) with types that declare an ES default
 * export, which TypeScript's NodeNext resolution reads as a namespace; required here, typed as declared.
 */
export const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as Factory;
