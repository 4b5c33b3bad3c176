#!/usr/bin/env node
// Thin launcher so the package's `cim` binary runs the compiled CLI.
import '../dist/src/cli/main.js';
