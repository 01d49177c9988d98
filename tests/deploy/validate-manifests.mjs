// validate-manifests.mjs FILE.yaml... — every object in the given multi-document YAML files
// (kubectl kustomize output) must validate against the Kubernetes API schema of its kind
// (npm kubernetes-models: the upstream OpenAPI schemas compiled to ajv validators; the
// Prometheus Operator's CRD schemas for PodMonitor), with unknown fields rejected.
//
// The compiled validators accept unknown fields (they test each known property by name and
// never look at the others). So each object is validated through proxies that record which
// properties the validator asked for, and which objects it enumerated (maps such as labels
// or resource limits, where any key is valid). A key the validator never asked for, in an
// object it never enumerated, is unknown to the schema: a typo or a field of another version.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const MODEL_MODULES = {
  "monitoring.coreos.com": (version, kind) =>
    `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}`,
  "": (version, kind) => `kubernetes-models/${version}/${kind}`,
};

function modelModule(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const forGroup = MODEL_MODULES[group];
  return forGroup ? forGroup(version, kind) : `kubernetes-models/${group}/${version}/${kind}`;
}

// A proxy over `value` (recursively) recording into `seen` which keys the validator read.
function tracked(value, path, seen) {
  if (value === null || typeof value !== "object") return value;
  const entry = { keys: new Set(), enumerated: false, target: value };
  seen.set(path, entry);
  const children = Array.isArray(value)
    ? value.map((v, i) => tracked(v, `${path}[${i}]`, seen))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tracked(v, `${path}.${k}`, seen)]));
  return new Proxy(children, {
    get(target, key, receiver) {
      if (typeof key === "string") entry.keys.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") entry.keys.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      entry.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function unknownFields(seen) {
  const unknown = [];
  for (const [path, { keys, enumerated, target }] of seen) {
    if (Array.isArray(target) || enumerated) continue;
    for (const key of Object.keys(target)) {
      if (!keys.has(key)) unknown.push(`${path}.${key}`);
    }
  }
  return unknown;
}

let failures = 0;
let objects = 0;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) {
      console.error(`${file}: YAML error: ${doc.errors[0].message}`);
      failures++;
      continue;
    }
    const obj = doc.toJS();
    if (obj === null) continue;
    objects++;
    const name = `${file}: ${obj.kind}/${obj.metadata?.name}`;
    let Model;
    try {
      Model = (await import(modelModule(obj.apiVersion, obj.kind)))[obj.kind];
    } catch (err) {
      console.error(`${name}: no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
      failures++;
      continue;
    }
    const model = new Model(obj);
    const seen = new Map();
    const root = tracked({ ...model }, "", seen);
    let problems = [];
    try {
      Model.prototype.validate.call(root);
    } catch (err) {
      problems.push(err.message);
    }
    problems = problems.concat(unknownFields(seen).map((p) => `unknown field ${p.slice(1)}`));
    if (problems.length) {
      failures++;
      console.error(`FAIL ${name}\n  ${problems.join("\n  ")}`);
    } else {
      console.log(`ok   ${name}`);
    }
  }
}
if (objects === 0) {
  console.error("no objects to validate");
  process.exit(1);
}
console.log(`${objects} objects, ${failures} invalid`);
process.exit(failures ? 1 : 0);
