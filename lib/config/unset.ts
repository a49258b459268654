// Values in linux.resources that engines send to mean "not set", dropped before
// validation so they are neither refused nor written, as runc does (runc's
// cgroup code skips every one of them: `if r.X != 0`). Docker writes
// `blockIO.weight: 0` and `cpu.shares: 0` into every config.json, and
// `docker update` sends zeros for everything the user did not change, e.g.
//   {"memory":{"limit":100663296,"reservation":0,"swap":201326592,"kernel":0},
//    "cpu":{"shares":0,"quota":150000,"period":100000},"blockIO":{"weight":0}}
// (docs/engines.md lists what each engine sends.) Throttle rates of 0 stay: 0
// is how a throttle is removed. Runs before the schema check, so every access
// is guarded.

type Obj = { [k: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deletes the keys of o whose value is 0. */
function dropZeros(o: unknown, keys: string[]): void {
  if (!isObj(o)) return;
  for (const k of keys) if (o[k] === 0) delete o[k];
}

/** Drops the "unset" values from a LinuxResources object, in place. */
export function dropUnsetResources(r: unknown): void {
  if (!isObj(r)) return;
  // memory.limit 0 = no limit given; swap/reservation/kernel/kernelTCP 0 = unchanged.
  dropZeros(r.memory, ['limit', 'reservation', 'swap', 'kernel', 'kernelTCP']);
  // shares/quota/period/realtime 0 = unchanged; empty cpuset strings = unchanged.
  dropZeros(r.cpu, ['shares', 'quota', 'period', 'realtimeRuntime', 'realtimePeriod']);
  if (isObj(r.cpu)) {
    if (r.cpu.cpus === '') delete r.cpu.cpus;
    if (r.cpu.mems === '') delete r.cpu.mems;
  }
  // pids.limit 0 = unchanged (runc: only a non-zero limit is written; -1 is "max").
  if (isObj(r.pids) && r.pids.limit === 0) delete r.pids;
  const b = r.blockIO;
  if (isObj(b)) {
    dropZeros(b, ['weight', 'leafWeight']);
    if (Array.isArray(b.weightDevice)) {
      // An entry whose weights were all 0 asks for nothing (one that never had
      // a weight stays, for the schema to refuse).
      b.weightDevice = b.weightDevice.filter((w) => {
        if (!isObj(w) || (w.weight !== 0 && w.leafWeight !== 0)) return true;
        dropZeros(w, ['weight', 'leafWeight']);
        return w.weight !== undefined || w.leafWeight !== undefined;
      });
    }
  }
  // net_cls classid 0 = none.
  dropZeros(r.network, ['classID']);
}

/** The same for a config.json: its linux.resources. */
export function dropUnsetConfig(doc: unknown): void {
  if (isObj(doc) && isObj(doc.linux)) dropUnsetResources(doc.linux.resources);
}
