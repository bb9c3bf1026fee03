import { MemoryStore } from "../../src/store/memory.js";
import type { Store } from "../../src/store/store.js";
import { storeContract } from "./contract.js";

storeContract("memory", {
  open: async (options) => new MemoryStore(options),
  // One process, one store: a second "connection" is the same store, whose
  // close must not close the first.
  connect: async (store) =>
    new Proxy(store, {
      get(target, key) {
        if (key === "close") return async () => {};
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Store,
});
