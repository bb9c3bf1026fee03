#!/usr/bin/env node
// CommonJS, as every file in bin/ (see bin/package.json and create_cron.js).
import("../dist/cli/main.js").then(({ main }) => main(process.argv.slice(2)));
