#!/usr/bin/env node
import { main } from "../dist/cli/create-cron.js";

await main(process.argv.slice(2));
