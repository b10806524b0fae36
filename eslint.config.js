// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tmp/**', 'coverage/**', 'dist/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // src/config/ is the only reader of the environment; everything else receives a Config (STYLE.md). The
    // simulator's own command line (`npm run sim`, not the bot) reads its SIM_* variables itself.
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/playground/simulator/main.ts'],
    rules: {
      'no-restricted-properties': ['error',
        { object: 'process', property: 'env', message: 'read the environment only in src/config/ (loadConfig); pass values in' },
        // P5: Node keeps what AbortSignal.any makes alive under a long-lived source (src/core/abort.ts says how much).
        { object: 'AbortSignal', property: 'any', message: 'use childSignal / withChildSignal (src/core/abort.ts): AbortSignal.any leaks under a long-lived signal' },
      ],
    },
  },
  {
    // Scripts, the playground (demo prompt, simulator CLI) and test support print to the terminal by design.
    files: ['scripts/**', 'test/**', 'bin/**', 'src/main.ts', 'src/playground/**'],
    rules: { 'no-console': 'off' },
  },
);
