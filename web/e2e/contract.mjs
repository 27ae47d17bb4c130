// The fixture server's answers, checked against the API's OpenAPI document
// (src/lib/openapi.json, the file the dashboard's types are generated from), so the canned
// API cannot drift from the real one: an answer that differs becomes a 500 naming the
// difference, and the e2e fails on it.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
export const DOCUMENT = JSON.parse(
  readFileSync(join(here, "..", "src", "lib", "openapi.json"), "utf8"),
);

/**
 * What differs between a JSON answer and the document: `route` is the documented path
 * (`/api/records/{id}`), `status` the answer's status, `method` the request's (lower case).
 * Empty when the answer conforms.
 */
export function answerErrors(route, status, body, doc = DOCUMENT, method = "get") {
  const responses = doc.paths[route]?.[method]?.responses;
  if (!responses) return [`${method.toUpperCase()} ${route} is not documented`];
  const response = responses[String(status)];
  if (!response) return [`${route} does not document the status ${status}`];
  const schema = response.content?.["application/json"]?.schema;
  if (!schema) return [`${route} ${status} is not documented as JSON`];
  const errors = [];
  conform(doc, schema, body, `${route} ${status}`, errors);
  return errors;
}

function resolve(doc, schema) {
  const ref = schema.$ref;
  if (!ref) return schema;
  const target = doc.components.schemas[ref.replace("#/components/schemas/", "")];
  if (!target) throw new Error(`${ref} is not in the document`);
  return target;
}

/** The properties of an object schema, through `$ref` and `allOf`. */
function properties(doc, schema) {
  const s = resolve(doc, schema);
  return Object.assign(
    {},
    ...(s.allOf ?? []).map((part) => properties(doc, part)),
    s.properties ?? {},
  );
}

function kindOf(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value; // string, boolean, object
}

/** `value` against the subset of JSON Schema utoipa writes; objects must have exactly the documented members. */
function conform(doc, schema, value, at, errors) {
  const s = resolve(doc, schema);
  if (s.oneOf) {
    const fits = s.oneOf.filter((choice) => {
      const e = [];
      conform(doc, choice, value, at, e);
      return e.length === 0;
    }).length;
    if (fits !== 1)
      errors.push(`${at}: ${JSON.stringify(value)} fits ${fits} of the oneOf choices, not 1`);
    return;
  }
  if (s.allOf) return conformObject(doc, properties(doc, s), value, at, errors);
  if (s.type === undefined) return; // any value
  const types = Array.isArray(s.type) ? s.type : [s.type];
  const kind = kindOf(value);
  if (!types.includes(kind) && !(kind === "integer" && types.includes("number"))) {
    errors.push(`${at}: ${JSON.stringify(value)} is ${kind}, documented as ${types.join(" | ")}`);
    return;
  }
  if (s.enum && value !== null && !s.enum.includes(value))
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${s.enum.join(", ")}`);
  if (kind === "array")
    value.forEach((item, i) => {
      conform(doc, s.items, item, `${at}[${i}]`, errors);
    });
  if (kind === "object") {
    if (s.properties) conformObject(doc, s.properties, value, at, errors, s.required);
    else if (s.additionalProperties)
      for (const [k, v] of Object.entries(value))
        conform(doc, s.additionalProperties, v, `${at}.${k}`, errors);
  }
}

/**
 * Every documented member must be sent (the API sends `null` for no value), except in the few
 * schemas whose `required` leaves some out: the AWS CLI's sparse JSON of a change batch
 * (api/src/timetravel/routes.rs, SPARSE_SCHEMAS), whose members are sent only with a value.
 */
function conformObject(doc, props, value, at, errors, required = Object.keys(props)) {
  if (kindOf(value) !== "object") {
    errors.push(`${at}: ${JSON.stringify(value)} is not an object`);
    return;
  }
  for (const name of required)
    if (!(name in value)) errors.push(`${at}: the documented member ${name} is missing`);
  for (const [name, member] of Object.entries(value)) {
    if (props[name]) conform(doc, props[name], member, `${at}.${name}`, errors);
    else errors.push(`${at}: ${name} is sent but not documented`);
  }
}
