// The debug package, as a module of its own that lib/paths.ts loadDebug()
// finds beside the bundles (and inside the bun executable): tracing with
// DEBUG=ocirun:* only.
import debug = require('debug');

export = debug;
