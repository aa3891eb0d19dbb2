/**
 * The shape of a Kafka message definition (the JSON files in `messages/`),
 * after `//` comments are stripped. Only the keys the codec reads are typed
 * precisely; the rest are kept as data.
 */

export interface FieldDefinition {
  name: string;
  /** "int32", "string", "[]int32", "[]SomeStruct", "SomeStruct", "records", "uuid", ... */
  type: string;
  versions: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  /** Overrides the message's flexibleVersions for this field (RequestHeader.ClientId: "none"). */
  flexibleVersions?: string;
  default?: string | number | boolean;
  mapKey?: boolean;
  ignorable?: boolean;
  entityType?: string;
  zeroCopy?: boolean;
  fields?: FieldDefinition[];
}

export interface StructDefinition {
  name: string;
  versions: string;
  fields: FieldDefinition[];
}

export interface MessageDefinition {
  name: string;
  type: 'request' | 'response' | 'header' | 'data' | string;
  apiKey?: number;
  validVersions: string;
  flexibleVersions: string;
  deprecatedVersions?: string;
  latestVersionUnstable?: boolean;
  listeners?: string[];
  fields: FieldDefinition[];
  commonStructs?: StructDefinition[];
}
