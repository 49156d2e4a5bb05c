/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query Search($prefix: String!, $prefixes: [String!]!) {\n    items(first: 8, filter: { name: $prefixes }) {\n      edges { node { id type name package } }\n    }\n    packages: items(first: 20, newestFirst: true, filter: { package: $prefixes }) {\n      edges { node { id package } }\n    }\n    testcases(first: 8, name: $prefix) {\n      edges { node { id name } }\n    }\n  }\n": typeof types.SearchDocument,
    "\n  query BuildPage($type: String!, $name: String!, $first: Int!) {\n    item(type: $type, name: $name) {\n      id type name package createdAt\n      taskStates {\n        id testcase arch variant { key values } lastOutcome emittedOutcome resultCount emissionCount updatedAt\n        lastResult { id resultId }\n      }\n      results(first: $first) {\n        edges {\n          node {\n            id resultId testcase outcome arch note refUrl data forced submittedAt\n            emission { id seq msgId forced prevOutcome }\n            duplicateOf { id seq msgId }\n          }\n        }\n        pageInfo { hasNextPage }\n      }\n      emissions(first: 1, newestFirst: true) { edges { node { id seq } } }\n    }\n  }\n": typeof types.BuildPageDocument,
    "\n  subscription BuildEmissions($after: Int!, $filter: EmissionFilter!) {\n    emissions(after: $after, filter: $filter) { seq }\n  }\n": typeof types.BuildEmissionsDocument,
    "\n  subscription BuildResults($filter: ResultFilter!) {\n    resultRecorded(filter: $filter) { resultId }\n  }\n": typeof types.BuildResultsDocument,
    "\n  query BusPage {\n    bridges { name kind role active cursor latestSeq lag lastPublishedAt connected unconfirmed lastError lastErrorAt }\n  }\n": typeof types.BusPageDocument,
    "\n  subscription BusEmissions {\n    emissions { seq }\n  }\n": typeof types.BusEmissionsDocument,
    "\n  fragment EmissionRow on Emission {\n    id seq outcome prevOutcome forced testcase arch createdAt msgId\n    item { id type name }\n  }\n": typeof types.EmissionRowFragmentDoc,
    "\n  query LatestEmissions($first: Int!) {\n    emissions(first: $first, newestFirst: true) { edges { node { ...EmissionRow } } }\n  }\n": typeof types.LatestEmissionsDocument,
    "\n  subscription EmissionsAfter($after: Int!) {\n    emissions(after: $after) { ...EmissionRow }\n  }\n": typeof types.EmissionsAfterDocument,
    "\n  query FailingBuilds($first: Int!) {\n    items(first: $first, newestFirst: true, filter: { outcome: [FAILED] }) {\n      totalCount\n      edges { node { id type name taskStates { id testcase variant { key values } lastOutcome updatedAt } } }\n    }\n  }\n": typeof types.FailingBuildsDocument,
    "\n  query PackagePage($package: [String!]!, $first: Int!) {\n    items(first: $first, newestFirst: true, filter: { package: $package, type: \"koji_build\" }) {\n      totalCount\n      edges {\n        node {\n          id type name\n          taskStates { id testcase variant { key values } lastOutcome resultCount }\n        }\n      }\n    }\n    emissions(first: 1, newestFirst: true, filter: { package: $package }) { edges { node { id seq } } }\n  }\n": typeof types.PackagePageDocument,
    "\n  subscription PackageEmissions($after: Int!, $package: [String!]!) {\n    emissions(after: $after, filter: { package: $package }) { seq }\n  }\n": typeof types.PackageEmissionsDocument,
    "\n  query TestcasePage($name: String!, $names: [String!]!, $first: Int!) {\n    testcase(name: $name) { id name outcomesByDay { day outcome count } }\n    items(first: $first, newestFirst: true, filter: { testcase: $names }) {\n      totalCount\n      edges {\n        node {\n          id type name\n          taskStates(testcase: $names) { id variant { key values } lastOutcome resultCount updatedAt }\n        }\n      }\n    }\n    emissions(first: 1, newestFirst: true, filter: { testcase: $names }) { edges { node { id seq } } }\n  }\n": typeof types.TestcasePageDocument,
    "\n  subscription TestcaseEmissions($after: Int!, $filter: EmissionFilter!) {\n    emissions(after: $after, filter: $filter) { seq }\n  }\n": typeof types.TestcaseEmissionsDocument,
};
const documents: Documents = {
    "\n  query Search($prefix: String!, $prefixes: [String!]!) {\n    items(first: 8, filter: { name: $prefixes }) {\n      edges { node { id type name package } }\n    }\n    packages: items(first: 20, newestFirst: true, filter: { package: $prefixes }) {\n      edges { node { id package } }\n    }\n    testcases(first: 8, name: $prefix) {\n      edges { node { id name } }\n    }\n  }\n": types.SearchDocument,
    "\n  query BuildPage($type: String!, $name: String!, $first: Int!) {\n    item(type: $type, name: $name) {\n      id type name package createdAt\n      taskStates {\n        id testcase arch variant { key values } lastOutcome emittedOutcome resultCount emissionCount updatedAt\n        lastResult { id resultId }\n      }\n      results(first: $first) {\n        edges {\n          node {\n            id resultId testcase outcome arch note refUrl data forced submittedAt\n            emission { id seq msgId forced prevOutcome }\n            duplicateOf { id seq msgId }\n          }\n        }\n        pageInfo { hasNextPage }\n      }\n      emissions(first: 1, newestFirst: true) { edges { node { id seq } } }\n    }\n  }\n": types.BuildPageDocument,
    "\n  subscription BuildEmissions($after: Int!, $filter: EmissionFilter!) {\n    emissions(after: $after, filter: $filter) { seq }\n  }\n": types.BuildEmissionsDocument,
    "\n  subscription BuildResults($filter: ResultFilter!) {\n    resultRecorded(filter: $filter) { resultId }\n  }\n": types.BuildResultsDocument,
    "\n  query BusPage {\n    bridges { name kind role active cursor latestSeq lag lastPublishedAt connected unconfirmed lastError lastErrorAt }\n  }\n": types.BusPageDocument,
    "\n  subscription BusEmissions {\n    emissions { seq }\n  }\n": types.BusEmissionsDocument,
    "\n  fragment EmissionRow on Emission {\n    id seq outcome prevOutcome forced testcase arch createdAt msgId\n    item { id type name }\n  }\n": types.EmissionRowFragmentDoc,
    "\n  query LatestEmissions($first: Int!) {\n    emissions(first: $first, newestFirst: true) { edges { node { ...EmissionRow } } }\n  }\n": types.LatestEmissionsDocument,
    "\n  subscription EmissionsAfter($after: Int!) {\n    emissions(after: $after) { ...EmissionRow }\n  }\n": types.EmissionsAfterDocument,
    "\n  query FailingBuilds($first: Int!) {\n    items(first: $first, newestFirst: true, filter: { outcome: [FAILED] }) {\n      totalCount\n      edges { node { id type name taskStates { id testcase variant { key values } lastOutcome updatedAt } } }\n    }\n  }\n": types.FailingBuildsDocument,
    "\n  query PackagePage($package: [String!]!, $first: Int!) {\n    items(first: $first, newestFirst: true, filter: { package: $package, type: \"koji_build\" }) {\n      totalCount\n      edges {\n        node {\n          id type name\n          taskStates { id testcase variant { key values } lastOutcome resultCount }\n        }\n      }\n    }\n    emissions(first: 1, newestFirst: true, filter: { package: $package }) { edges { node { id seq } } }\n  }\n": types.PackagePageDocument,
    "\n  subscription PackageEmissions($after: Int!, $package: [String!]!) {\n    emissions(after: $after, filter: { package: $package }) { seq }\n  }\n": types.PackageEmissionsDocument,
    "\n  query TestcasePage($name: String!, $names: [String!]!, $first: Int!) {\n    testcase(name: $name) { id name outcomesByDay { day outcome count } }\n    items(first: $first, newestFirst: true, filter: { testcase: $names }) {\n      totalCount\n      edges {\n        node {\n          id type name\n          taskStates(testcase: $names) { id variant { key values } lastOutcome resultCount updatedAt }\n        }\n      }\n    }\n    emissions(first: 1, newestFirst: true, filter: { testcase: $names }) { edges { node { id seq } } }\n  }\n": types.TestcasePageDocument,
    "\n  subscription TestcaseEmissions($after: Int!, $filter: EmissionFilter!) {\n    emissions(after: $after, filter: $filter) { seq }\n  }\n": types.TestcaseEmissionsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Search($prefix: String!, $prefixes: [String!]!) {\n    items(first: 8, filter: { name: $prefixes }) {\n      edges { node { id type name package } }\n    }\n    packages: items(first: 20, newestFirst: true, filter: { package: $prefixes }) {\n      edges { node { id package } }\n    }\n    testcases(first: 8, name: $prefix) {\n      edges { node { id name } }\n    }\n  }\n"): (typeof documents)["\n  query Search($prefix: String!, $prefixes: [String!]!) {\n    items(first: 8, filter: { name: $prefixes }) {\n      edges { node { id type name package } }\n    }\n    packages: items(first: 20, newestFirst: true, filter: { package: $prefixes }) {\n      edges { node { id package } }\n    }\n    testcases(first: 8, name: $prefix) {\n      edges { node { id name } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BuildPage($type: String!, $name: String!, $first: Int!) {\n    item(type: $type, name: $name) {\n      id type name package createdAt\n      taskStates {\n        id testcase arch variant { key values } lastOutcome emittedOutcome resultCount emissionCount updatedAt\n        lastResult { id resultId }\n      }\n      results(first: $first) {\n        edges {\n          node {\n            id resultId testcase outcome arch note refUrl data forced submittedAt\n            emission { id seq msgId forced prevOutcome }\n            duplicateOf { id seq msgId }\n          }\n        }\n        pageInfo { hasNextPage }\n      }\n      emissions(first: 1, newestFirst: true) { edges { node { id seq } } }\n    }\n  }\n"): (typeof documents)["\n  query BuildPage($type: String!, $name: String!, $first: Int!) {\n    item(type: $type, name: $name) {\n      id type name package createdAt\n      taskStates {\n        id testcase arch variant { key values } lastOutcome emittedOutcome resultCount emissionCount updatedAt\n        lastResult { id resultId }\n      }\n      results(first: $first) {\n        edges {\n          node {\n            id resultId testcase outcome arch note refUrl data forced submittedAt\n            emission { id seq msgId forced prevOutcome }\n            duplicateOf { id seq msgId }\n          }\n        }\n        pageInfo { hasNextPage }\n      }\n      emissions(first: 1, newestFirst: true) { edges { node { id seq } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BuildEmissions($after: Int!, $filter: EmissionFilter!) {\n    emissions(after: $after, filter: $filter) { seq }\n  }\n"): (typeof documents)["\n  subscription BuildEmissions($after: Int!, $filter: EmissionFilter!) {\n    emissions(after: $after, filter: $filter) { seq }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BuildResults($filter: ResultFilter!) {\n    resultRecorded(filter: $filter) { resultId }\n  }\n"): (typeof documents)["\n  subscription BuildResults($filter: ResultFilter!) {\n    resultRecorded(filter: $filter) { resultId }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BusPage {\n    bridges { name kind role active cursor latestSeq lag lastPublishedAt connected unconfirmed lastError lastErrorAt }\n  }\n"): (typeof documents)["\n  query BusPage {\n    bridges { name kind role active cursor latestSeq lag lastPublishedAt connected unconfirmed lastError lastErrorAt }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BusEmissions {\n    emissions { seq }\n  }\n"): (typeof documents)["\n  subscription BusEmissions {\n    emissions { seq }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment EmissionRow on Emission {\n    id seq outcome prevOutcome forced testcase arch createdAt msgId\n    item { id type name }\n  }\n"): (typeof documents)["\n  fragment EmissionRow on Emission {\n    id seq outcome prevOutcome forced testcase arch createdAt msgId\n    item { id type name }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LatestEmissions($first: Int!) {\n    emissions(first: $first, newestFirst: true) { edges { node { ...EmissionRow } } }\n  }\n"): (typeof documents)["\n  query LatestEmissions($first: Int!) {\n    emissions(first: $first, newestFirst: true) { edges { node { ...EmissionRow } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription EmissionsAfter($after: Int!) {\n    emissions(after: $after) { ...EmissionRow }\n  }\n"): (typeof documents)["\n  subscription EmissionsAfter($after: Int!) {\n    emissions(after: $after) { ...EmissionRow }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query FailingBuilds($first: Int!) {\n    items(first: $first, newestFirst: true, filter: { outcome: [FAILED] }) {\n      totalCount\n      edges { node { id type name taskStates { id testcase variant { key values } lastOutcome updatedAt } } }\n    }\n  }\n"): (typeof documents)["\n  query FailingBuilds($first: Int!) {\n    items(first: $first, newestFirst: true, filter: { outcome: [FAILED] }) {\n      totalCount\n      edges { node { id type name taskStates { id testcase variant { key values } lastOutcome updatedAt } } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PackagePage($package: [String!]!, $first: Int!) {\n    items(first: $first, newestFirst: true, filter: { package: $package, type: \"koji_build\" }) {\n      totalCount\n      edges {\n        node {\n          id type name\n          taskStates { id testcase variant { key values } lastOutcome resultCount }\n        }\n      }\n    }\n    emissions(first: 1, newestFirst: true, filter: { package: $package }) { edges { node { id seq } } }\n  }\n"): (typeof documents)["\n  query PackagePage($package: [String!]!, $first: Int!) {\n    items(first: $first, newestFirst: true, filter: { package: $package, type: \"koji_build\" }) {\n      totalCount\n      edges {\n        node {\n          id type name\n          taskStates { id testcase variant { key values } lastOutcome resultCount }\n        }\n      }\n    }\n    emissions(first: 1, newestFirst: true, filter: { package: $package }) { edges { node { id seq } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription PackageEmissions($after: Int!, $package: [String!]!) {\n    emissions(after: $after, filter: { package: $package }) { seq }\n  }\n"): (typeof documents)["\n  subscription PackageEmissions($after: Int!, $package: [String!]!) {\n    emissions(after: $after, filter: { package: $package }) { seq }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query TestcasePage($name: String!, $names: [String!]!, $first: Int!) {\n    testcase(name: $name) { id name outcomesByDay { day outcome count } }\n    items(first: $first, newestFirst: true, filter: { testcase: $names }) {\n      totalCount\n      edges {\n        node {\n          id type name\n          taskStates(testcase: $names) { id variant { key values } lastOutcome resultCount updatedAt }\n        }\n      }\n    }\n    emissions(first: 1, newestFirst: true, filter: { testcase: $names }) { edges { node { id seq } } }\n  }\n"): (typeof documents)["\n  query TestcasePage($name: String!, $names: [String!]!, $first: Int!) {\n    testcase(name: $name) { id name outcomesByDay { day outcome count } }\n    items(first: $first, newestFirst: true, filter: { testcase: $names }) {\n      totalCount\n      edges {\n        node {\n          id type name\n          taskStates(testcase: $names) { id variant { key values } lastOutcome resultCount updatedAt }\n        }\n      }\n    }\n    emissions(first: 1, newestFirst: true, filter: { testcase: $names }) { edges { node { id seq } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TestcaseEmissions($after: Int!, $filter: EmissionFilter!) {\n    emissions(after: $after, filter: $filter) { seq }\n  }\n"): (typeof documents)["\n  subscription TestcaseEmissions($after: Int!, $filter: EmissionFilter!) {\n    emissions(after: $after, filter: $filter) { seq }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;