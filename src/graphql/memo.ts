/** What is worked out once per schema and parsed document (yoga caches parses, so a document's object repeats). */
import type { DocumentNode, GraphQLSchema } from 'graphql';

/** `make(schema, document)`, computed once per schema and document object and kept as long as both live. */
export function perDocument<T>(make: (schema: GraphQLSchema, document: DocumentNode) => T): (schema: GraphQLSchema, document: DocumentNode) => T {
  const cache = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, T>>();
  return (schema, document) => {
    let bySchema = cache.get(schema);
    if (bySchema === undefined) {
      bySchema = new WeakMap();
      cache.set(schema, bySchema);
    }
    if (bySchema.has(document)) return bySchema.get(document) as T;
    const made = make(schema, document);
    bySchema.set(document, made);
    return made;
  };
}
