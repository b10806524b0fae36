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
    // src/config/ is the only reader of the environment; everything else receives a Config (STYLE.md).
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'read the environment only in src/config/ (loadConfig); pass values in' }],
    },
  },
  {
    // Scripts, the demo prompt and test support print to the terminal by design.
    files: ['scripts/**', 'test/**', 'bin/**', 'src/main.ts', 'src/roles/demo*.ts'],
    rules: { 'no-console': 'off' },
  },
);
