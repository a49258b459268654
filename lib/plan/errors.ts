/** A config problem found while planning: one line, `<json path>: <what>`. */
export class PlanError extends Error {
  constructor(path: string, what: string) {
    super(`${path}: ${what}`);
    this.name = 'PlanError';
  }
}
