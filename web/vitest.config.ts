import { defineConfig } from 'vitest/config';

// Unit tests cover the logic that does not need a map: URL state, time windows,
// palettes and formatting. The browser tests live in e2e/ and run with `node --test`.
export default defineConfig({ test: { include: ['src/**/*.test.ts'], environment: 'node' } });
