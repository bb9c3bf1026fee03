import { InvalidArgumentError } from "commander";

/** A commander argument parser for a whole number in [min, max]. */
export function integerIn(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(
        `${name} must be a whole number ${min}-${max}, but got "${value}".`,
      );
    }
    return Number(value);
  };
}
