// ESLint with typescript-eslint's recommended rules, run by `make test` before the unit tests.
// Formatting is prettier's (.prettierrc.json); these rules are about code that is wrong or dead.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'profiles/**', 'test/fixtures/**', '.vitest-*'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // A leading underscore says "unused on purpose" (a destructured field dropped from a copy).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Engine and YAML shapes are untyped at the edges; an `any` there is narrowed right after.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  // Plain Node scripts: TypeScript checks the rest for undefined names.
  { files: ['**/*.mjs', '**/*.js'], languageOptions: { globals: { console: 'readonly', process: 'readonly' } } },
);
