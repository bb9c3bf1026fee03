import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite/index.js";
import { tempDir } from "../tmp.js";
import { storeContract } from "./contract.js";

storeContract("sqlite", {
  open: async (options) => new SqliteStore(join(tempDir(), "scheduler.db"), options),
  connect: async (store, options) => new SqliteStore((store as SqliteStore).path, options),
});
