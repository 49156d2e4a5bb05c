/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** What a task run concluded about an item. Extra values come from RESULTSBUS_EXTRA_OUTCOMES. */
export type Outcome =
  /** The task was stopped before it finished. */
  | 'ABORTED'
  /** The task itself broke; says nothing about the item. */
  | 'ERROR'
  /** The task failed. */
  | 'FAILED'
  /** Informational; neither pass nor fail. */
  | 'INFO'
  /** A person has to look at the result. */
  | 'NEEDS_INSPECTION'
  /** The task passed. */
  | 'PASSED'
  /** The task is waiting to run. */
  | 'QUEUED'
  /** The task is running. */
  | 'RUNNING';

/** One result to record. */
export type RecordResultInput = {
  /** The arch (1 to 255 characters); omit for none. Part of the state key's variant (it stands for `data.arch` there). */
  arch?: string | null | undefined;
  /** Free key/value data: an object whose values are strings or lists of strings, at most 256 KiB as JSON, kept as given. The values of the variant keys (RESULTSBUS_VARIANT_KEYS: `scenario`, `system_architecture`, `system_variant` and `arch` by default) make the state key's variant: results that differ in one of them have task states of their own. */
  data?: unknown;
  /** Emit even when the outcome equals the one last emitted (a re-run someone asked for). */
  force?: boolean | null | undefined;
  /** Groups to file the result under (at most 100). */
  groups?: Array<string> | null | undefined;
  /** What it ran on, e.g. a build NVR (1 to 255 characters), with `type`. Without both, the subject is derived from `data` by RESULTSBUS_SUBJECTS (e.g. a compose from `data["productmd.compose.id"]`), and a result with none is stored with no task state and emits nothing. */
  item?: string | null | undefined;
  /** A free-text note, at most 64 KiB. */
  note?: string | null | undefined;
  /** The outcome. */
  outcome: Outcome;
  /** An http(s) URL of the log. */
  refUrl?: string | null | undefined;
  /** What ran, e.g. `dist.depcheck` (1 to 255 characters). */
  testcase: string;
  /** The item type, e.g. `koji_build`, `bodhi_update`, `compose`; given with `item`. */
  type?: string | null | undefined;
  /** The variant's values, key by key, as `TaskState.variant` shows them (`[{key: "scenario", values: ["fedora-updates-server"]}]`): another way to give what `data` and `arch` give. Each entry is written into `data` (one value as a string, more as a list); `arch` stands for the `arch` field. A key that is not a variant key, or a value that `data` or `arch` gives differently, is refused. */
  variant?: Array<VariantValueInput> | null | undefined;
};

/** One dimension of a result's variant, as `TaskState.variant` shows it. */
export type VariantValueInput = {
  /** A variant key (RESULTSBUS_VARIANT_KEYS: `arch`, `scenario`, `system_architecture`, `system_variant` by default). */
  key: string;
  /** Its values (usually one; 1 to 255 characters each). */
  values: Array<string>;
};

export type BridgeEmissionsSubscriptionVariables = Exact<{
  after: number;
}>;


export type BridgeEmissionsSubscription = { emissions: { seq: number, msgId: string, topic: string, timestamp: number, body: unknown } };

export type RecordResultMutationVariables = Exact<{
  input: RecordResultInput;
}>;


export type RecordResultMutation = { recordResult: { emitted: boolean, result: { resultId: number, stateVersion: number | null }, emission: { seq: number, msgId: string, outcome: Outcome, prevOutcome: Outcome | null, forced: boolean } | null, duplicateOf: { seq: number, outcome: Outcome } | null } };

export type BridgeRecordMutationVariables = Exact<{
  input: RecordResultInput;
}>;


export type BridgeRecordMutation = { recordResult: { emitted: boolean, emission: { seq: number, msgId: string } | null } };

export type BridgeRecordManyMutationVariables = Exact<{
  inputs: Array<RecordResultInput> | RecordResultInput;
}>;


export type BridgeRecordManyMutation = { recordResults: { emissions: Array<{ seq: number }> } };

export type BridgeStatusOfQueryVariables = Exact<{
  name?: string | null | undefined;
}>;


export type BridgeStatusOfQuery = { bridgeStatus: { name: string, cursor: number, latestSeq: number, lag: number, lastPublishedAt: string | null, active: boolean }, emissions: { edges: Array<{ node: { seq: number, msgId: string, publishedAt: string | null } }> } };

export type StandbyRecordMutationVariables = Exact<{
  input: RecordResultInput;
}>;


export type StandbyRecordMutation = { recordResult: { emitted: boolean } };

export type StandbyStatusQueryVariables = Exact<{ [key: string]: never; }>;


export type StandbyStatusQuery = { bridgeStatus: { cursor: number, latestSeq: number, lag: number, active: boolean } };

export type RuleRecordMutationVariables = Exact<{
  input: RecordResultInput;
}>;


export type RuleRecordMutation = { recordResult: { emitted: boolean, result: { resultId: number, outcome: Outcome, forced: boolean, stateVersion: number | null, duplicateOf: { seq: number } | null, emission: { seq: number } | null }, emission: { seq: number, outcome: Outcome, prevOutcome: Outcome | null, forced: boolean, topic: string, msgId: string, timestamp: number, body: unknown } | null, duplicateOf: { seq: number, outcome: Outcome } | null } };

export type RuleItemStatesQueryVariables = Exact<{
  type: string;
  name: string;
}>;


export type RuleItemStatesQuery = { item: { taskStates: Array<{ testcase: string, arch: string | null, lastOutcome: Outcome | null, emittedOutcome: Outcome | null, resultCount: number, emissionCount: number, stateVersion: number, lastResult: { resultId: number } | null, lastEmission: { seq: number } | null }>, emissions: { edges: Array<{ node: { seq: number, outcome: Outcome, prevOutcome: Outcome | null, forced: boolean } }> } } | null };


export const BridgeEmissionsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"BridgeEmissions"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emissions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"msgId"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"body"}}]}}]}}]} as unknown as DocumentNode<BridgeEmissionsSubscription, BridgeEmissionsSubscriptionVariables>;
export const RecordResultDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RecordResult"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RecordResultInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordResult"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emitted"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resultId"}},{"kind":"Field","name":{"kind":"Name","value":"stateVersion"}}]}},{"kind":"Field","name":{"kind":"Name","value":"emission"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"msgId"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"prevOutcome"}},{"kind":"Field","name":{"kind":"Name","value":"forced"}}]}},{"kind":"Field","name":{"kind":"Name","value":"duplicateOf"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}}]}}]}}]}}]} as unknown as DocumentNode<RecordResultMutation, RecordResultMutationVariables>;
export const BridgeRecordDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BridgeRecord"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RecordResultInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordResult"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emitted"}},{"kind":"Field","name":{"kind":"Name","value":"emission"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"msgId"}}]}}]}}]}}]} as unknown as DocumentNode<BridgeRecordMutation, BridgeRecordMutationVariables>;
export const BridgeRecordManyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"BridgeRecordMany"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"inputs"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RecordResultInput"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordResults"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"inputs"},"value":{"kind":"Variable","name":{"kind":"Name","value":"inputs"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emissions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}}]}}]}}]}}]} as unknown as DocumentNode<BridgeRecordManyMutation, BridgeRecordManyMutationVariables>;
export const BridgeStatusOfDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BridgeStatusOf"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bridgeStatus"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"latestSeq"}},{"kind":"Field","name":{"kind":"Name","value":"lag"}},{"kind":"Field","name":{"kind":"Name","value":"lastPublishedAt"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}},{"kind":"Field","name":{"kind":"Name","value":"emissions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"500"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"msgId"}},{"kind":"Field","name":{"kind":"Name","value":"publishedAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<BridgeStatusOfQuery, BridgeStatusOfQueryVariables>;
export const StandbyRecordDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StandbyRecord"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RecordResultInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordResult"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emitted"}}]}}]}}]} as unknown as DocumentNode<StandbyRecordMutation, StandbyRecordMutationVariables>;
export const StandbyStatusDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"StandbyStatus"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bridgeStatus"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"latestSeq"}},{"kind":"Field","name":{"kind":"Name","value":"lag"}},{"kind":"Field","name":{"kind":"Name","value":"active"}}]}}]}}]} as unknown as DocumentNode<StandbyStatusQuery, StandbyStatusQueryVariables>;
export const RuleRecordDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RuleRecord"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RecordResultInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recordResult"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"emitted"}},{"kind":"Field","name":{"kind":"Name","value":"result"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resultId"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"forced"}},{"kind":"Field","name":{"kind":"Name","value":"stateVersion"}},{"kind":"Field","name":{"kind":"Name","value":"duplicateOf"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}}]}},{"kind":"Field","name":{"kind":"Name","value":"emission"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"emission"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"prevOutcome"}},{"kind":"Field","name":{"kind":"Name","value":"forced"}},{"kind":"Field","name":{"kind":"Name","value":"topic"}},{"kind":"Field","name":{"kind":"Name","value":"msgId"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"Field","name":{"kind":"Name","value":"body"}}]}},{"kind":"Field","name":{"kind":"Name","value":"duplicateOf"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}}]}}]}}]}}]} as unknown as DocumentNode<RuleRecordMutation, RuleRecordMutationVariables>;
export const RuleItemStatesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RuleItemStates"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"type"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"item"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"type"},"value":{"kind":"Variable","name":{"kind":"Name","value":"type"}}},{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"taskStates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"testcase"}},{"kind":"Field","name":{"kind":"Name","value":"arch"}},{"kind":"Field","name":{"kind":"Name","value":"lastOutcome"}},{"kind":"Field","name":{"kind":"Name","value":"emittedOutcome"}},{"kind":"Field","name":{"kind":"Name","value":"resultCount"}},{"kind":"Field","name":{"kind":"Name","value":"emissionCount"}},{"kind":"Field","name":{"kind":"Name","value":"stateVersion"}},{"kind":"Field","name":{"kind":"Name","value":"lastResult"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resultId"}}]}},{"kind":"Field","name":{"kind":"Name","value":"lastEmission"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"emissions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"prevOutcome"}},{"kind":"Field","name":{"kind":"Name","value":"forced"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<RuleItemStatesQuery, RuleItemStatesQueryVariables>;