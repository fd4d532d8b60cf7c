// The README's GraphQL documents, typed by @graphql-codegen (typescript and
// typescript-operations) from schema.graphql, then compiled with `tsc --strict`: the
// schema and the documents client developers copy agree, and their types compile.
// Each operation of a README block becomes a document of its own (a walk-through block
// holds several, one of them anonymous).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { generate } from "@graphql-codegen/cli";
import { Kind, parse, print } from "graphql";

const root = resolve(import.meta.dirname, "../..");
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
const work = mkdtempSync(join(tmpdir(), "dealflow-codegen-"));
try {
  const documents = join(work, "documents");
  mkdirSync(documents);
  let count = 0;
  for (const block of blocks) {
    for (const definition of parse(block).definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      count += 1;
      const named = definition.name
        ? definition
        : { ...definition, name: { kind: Kind.NAME, value: `ReadmeOperation${count}` } };
      writeFileSync(join(documents, `${count}.graphql`), print(named));
    }
  }
  const out = join(work, "types.ts");
  await generate(
    {
      schema: join(root, "schema.graphql"),
      documents: join(documents, "*.graphql"),
      generates: {
        [out]: {
          plugins: ["typescript-operations"],
          config: { scalars: { DateTime: "string", Date: "string", Decimal: "string" } },
        },
      },
      silent: true,
    },
    true,
  );
  execFileSync(
    join(import.meta.dirname, "node_modules/.bin/tsc"),
    ["--strict", "--noEmit", "--target", "ES2022", "--skipLibCheck", out],
    { stdio: "inherit" },
  );
  console.log(JSON.stringify({ operations: count, compiled: true }));
} finally {
  rmSync(work, { recursive: true, force: true });
}
