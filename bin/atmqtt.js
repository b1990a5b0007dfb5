#!/usr/bin/env node
// The atmqtt command. Host code is TypeScript, run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../sim/cli.ts');
