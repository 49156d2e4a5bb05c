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
    "\n  subscription BridgeEmissions($after: Int!) {\n    emissions(after: $after) {\n      seq\n      msgId\n      topic\n      timestamp\n      body\n    }\n  }\n": typeof types.BridgeEmissionsDocument,
    "\n  mutation RecordResult($input: RecordResultInput!) {\n    recordResult(input: $input) {\n      emitted\n      result { resultId stateVersion }\n      emission { seq msgId outcome prevOutcome forced }\n      duplicateOf { seq outcome }\n    }\n  }\n": typeof types.RecordResultDocument,
    "\n  mutation BridgeRecord($input: RecordResultInput!) {\n    recordResult(input: $input) { emitted emission { seq msgId } }\n  }\n": typeof types.BridgeRecordDocument,
    "\n  mutation BridgeRecordMany($inputs: [RecordResultInput!]!) {\n    recordResults(inputs: $inputs) { emissions { seq } }\n  }\n": typeof types.BridgeRecordManyDocument,
    "\n  query BridgeStatusOf($name: String) {\n    bridgeStatus(name: $name) { name cursor latestSeq lag lastPublishedAt active }\n    emissions(first: 500) { edges { node { seq msgId publishedAt } } }\n  }\n": typeof types.BridgeStatusOfDocument,
    "\n  mutation StandbyRecord($input: RecordResultInput!) {\n    recordResult(input: $input) { emitted }\n  }\n": typeof types.StandbyRecordDocument,
    "\n  query StandbyStatus {\n    bridgeStatus { cursor latestSeq lag active }\n  }\n": typeof types.StandbyStatusDocument,
    "\n  mutation RuleRecord($input: RecordResultInput!) {\n    recordResult(input: $input) {\n      emitted\n      result { resultId outcome forced stateVersion duplicateOf { seq } emission { seq } }\n      emission { seq outcome prevOutcome forced topic msgId timestamp body }\n      duplicateOf { seq outcome }\n    }\n  }\n": typeof types.RuleRecordDocument,
    "\n  query RuleItemStates($type: String!, $name: String!) {\n    item(type: $type, name: $name) {\n      taskStates { testcase arch lastOutcome emittedOutcome resultCount emissionCount stateVersion lastResult { resultId } lastEmission { seq } }\n      emissions(first: 100) { edges { node { seq outcome prevOutcome forced } } }\n    }\n  }\n": typeof types.RuleItemStatesDocument,
};
const documents: Documents = {
    "\n  subscription BridgeEmissions($after: Int!) {\n    emissions(after: $after) {\n      seq\n      msgId\n      topic\n      timestamp\n      body\n    }\n  }\n": types.BridgeEmissionsDocument,
    "\n  mutation RecordResult($input: RecordResultInput!) {\n    recordResult(input: $input) {\n      emitted\n      result { resultId stateVersion }\n      emission { seq msgId outcome prevOutcome forced }\n      duplicateOf { seq outcome }\n    }\n  }\n": types.RecordResultDocument,
    "\n  mutation BridgeRecord($input: RecordResultInput!) {\n    recordResult(input: $input) { emitted emission { seq msgId } }\n  }\n": types.BridgeRecordDocument,
    "\n  mutation BridgeRecordMany($inputs: [RecordResultInput!]!) {\n    recordResults(inputs: $inputs) { emissions { seq } }\n  }\n": types.BridgeRecordManyDocument,
    "\n  query BridgeStatusOf($name: String) {\n    bridgeStatus(name: $name) { name cursor latestSeq lag lastPublishedAt active }\n    emissions(first: 500) { edges { node { seq msgId publishedAt } } }\n  }\n": types.BridgeStatusOfDocument,
    "\n  mutation StandbyRecord($input: RecordResultInput!) {\n    recordResult(input: $input) { emitted }\n  }\n": types.StandbyRecordDocument,
    "\n  query StandbyStatus {\n    bridgeStatus { cursor latestSeq lag active }\n  }\n": types.StandbyStatusDocument,
    "\n  mutation RuleRecord($input: RecordResultInput!) {\n    recordResult(input: $input) {\n      emitted\n      result { resultId outcome forced stateVersion duplicateOf { seq } emission { seq } }\n      emission { seq outcome prevOutcome forced topic msgId timestamp body }\n      duplicateOf { seq outcome }\n    }\n  }\n": types.RuleRecordDocument,
    "\n  query RuleItemStates($type: String!, $name: String!) {\n    item(type: $type, name: $name) {\n      taskStates { testcase arch lastOutcome emittedOutcome resultCount emissionCount stateVersion lastResult { resultId } lastEmission { seq } }\n      emissions(first: 100) { edges { node { seq outcome prevOutcome forced } } }\n    }\n  }\n": types.RuleItemStatesDocument,
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
export function graphql(source: "\n  subscription BridgeEmissions($after: Int!) {\n    emissions(after: $after) {\n      seq\n      msgId\n      topic\n      timestamp\n      body\n    }\n  }\n"): (typeof documents)["\n  subscription BridgeEmissions($after: Int!) {\n    emissions(after: $after) {\n      seq\n      msgId\n      topic\n      timestamp\n      body\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RecordResult($input: RecordResultInput!) {\n    recordResult(input: $input) {\n      emitted\n      result { resultId stateVersion }\n      emission { seq msgId outcome prevOutcome forced }\n      duplicateOf { seq outcome }\n    }\n  }\n"): (typeof documents)["\n  mutation RecordResult($input: RecordResultInput!) {\n    recordResult(input: $input) {\n      emitted\n      result { resultId stateVersion }\n      emission { seq msgId outcome prevOutcome forced }\n      duplicateOf { seq outcome }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BridgeRecord($input: RecordResultInput!) {\n    recordResult(input: $input) { emitted emission { seq msgId } }\n  }\n"): (typeof documents)["\n  mutation BridgeRecord($input: RecordResultInput!) {\n    recordResult(input: $input) { emitted emission { seq msgId } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BridgeRecordMany($inputs: [RecordResultInput!]!) {\n    recordResults(inputs: $inputs) { emissions { seq } }\n  }\n"): (typeof documents)["\n  mutation BridgeRecordMany($inputs: [RecordResultInput!]!) {\n    recordResults(inputs: $inputs) { emissions { seq } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BridgeStatusOf($name: String) {\n    bridgeStatus(name: $name) { name cursor latestSeq lag lastPublishedAt active }\n    emissions(first: 500) { edges { node { seq msgId publishedAt } } }\n  }\n"): (typeof documents)["\n  query BridgeStatusOf($name: String) {\n    bridgeStatus(name: $name) { name cursor latestSeq lag lastPublishedAt active }\n    emissions(first: 500) { edges { node { seq msgId publishedAt } } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StandbyRecord($input: RecordResultInput!) {\n    recordResult(input: $input) { emitted }\n  }\n"): (typeof documents)["\n  mutation StandbyRecord($input: RecordResultInput!) {\n    recordResult(input: $input) { emitted }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StandbyStatus {\n    bridgeStatus { cursor latestSeq lag active }\n  }\n"): (typeof documents)["\n  query StandbyStatus {\n    bridgeStatus { cursor latestSeq lag active }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RuleRecord($input: RecordResultInput!) {\n    recordResult(input: $input) {\n      emitted\n      result { resultId outcome forced stateVersion duplicateOf { seq } emission { seq } }\n      emission { seq outcome prevOutcome forced topic msgId timestamp body }\n      duplicateOf { seq outcome }\n    }\n  }\n"): (typeof documents)["\n  mutation RuleRecord($input: RecordResultInput!) {\n    recordResult(input: $input) {\n      emitted\n      result { resultId outcome forced stateVersion duplicateOf { seq } emission { seq } }\n      emission { seq outcome prevOutcome forced topic msgId timestamp body }\n      duplicateOf { seq outcome }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RuleItemStates($type: String!, $name: String!) {\n    item(type: $type, name: $name) {\n      taskStates { testcase arch lastOutcome emittedOutcome resultCount emissionCount stateVersion lastResult { resultId } lastEmission { seq } }\n      emissions(first: 100) { edges { node { seq outcome prevOutcome forced } } }\n    }\n  }\n"): (typeof documents)["\n  query RuleItemStates($type: String!, $name: String!) {\n    item(type: $type, name: $name) {\n      taskStates { testcase arch lastOutcome emittedOutcome resultCount emissionCount stateVersion lastResult { resultId } lastEmission { seq } }\n      emissions(first: 100) { edges { node { seq outcome prevOutcome forced } } }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;