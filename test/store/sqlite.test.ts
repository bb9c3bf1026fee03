import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite/index.js";
import { storeContract } from "./contract.js";
import { tempDir } from "./tmp.js";

storeContract("sqlite", {
  open: async (options) => new SqliteStore(join(tempDir(), "scheduler.db"), options),
  connect: async (store, options) => new SqliteStore((store as SqliteStore).path, options),
});
