/**
 * autostore-js/core: the runtime-agnostic core, for extension authors and for builds that bring
 * their own backends. Importing it registers only the `memory` scheme.
 */
export {
  bfloat16ToFloat32,
  float16ToFloat32,
  float32ToBfloat16,
  float32ToFloat16,
  type NdArrayOptions,
  ndarray,
} from "./arrays/helpers.js";
export {
  isNdArray,
  isRasterImage,
  isSparseMatrix,
  isTypedArray,
  type NdArray,
  type RasterImage,
  SAFETENSORS_METADATA,
  type SparseFormat,
  type SparseMatrix,
  type Tensors,
  type TypedArray,
} from "./arrays/types.js";
export type {
  Backend,
  ByteRange,
  CallOptions,
  Capabilities,
  CommonPrefix,
  FolderOps,
  ListedObject,
  ListOptions,
  ObjectMeta,
  Progress,
  ReadOptions,
  ReadResult,
  VariantListOptions,
  WriteOptions,
} from "./backend.js";
export {
  bytesResult,
  collectStream,
  copyAcross,
  deletePrefix,
  exists,
  isCommonPrefix,
  isDirectory,
  listObjects,
  listVariantsOf,
  notModifiedResult,
  readBytes,
  resolveRange,
} from "./backend.js";
export { HttpBackend, type HttpBackendInit, httpBackendFactory } from "./backends/http.js";
export { MemoryBackend } from "./backends/memory.js";
export { CachedBackend } from "./cache/cached-backend.js";
export { type CachePolicy, isFresh } from "./cache/policy.js";
export type { CacheEntry, CacheRecord, CacheStorage, CacheStorageFactory } from "./cache/storage.js";
export { Dataset, type DatasetReadOptions } from "./dataset/dataset.js";
export {
  AlreadyExistsError,
  AmbiguousKeyError,
  AutoStoreError,
  type AutoStoreErrorCode,
  BackendError,
  ConfigError,
  CorsError,
  DecodeError,
  DirectoryNotEmptyError,
  type ErrorContext,
  InvalidKeyError,
  IsADirectoryError,
  isAutoStoreError,
  KeyNotFoundError,
  NotADirectoryError,
  PermissionDeniedError,
  ReadOnlyError,
  type SchemaIssue,
  SchemaValidationError,
  UnsupportedFormatError,
  UnsupportedOperationError,
} from "./errors.js";
export { ArrowIpcHandler } from "./handlers/arrow.js";
export { BytesHandler } from "./handlers/bytes.js";
export { CborHandler } from "./handlers/cbor.js";
export { CsvHandler } from "./handlers/csv.js";
export { DataHandler, type HandlerContext } from "./handlers/handler.js";
export { ImageHandler } from "./handlers/image.js";
export { JsonHandler } from "./handlers/json.js";
export { JsonlHandler } from "./handlers/jsonl.js";
export { NpyHandler } from "./handlers/npy.js";
export { NpzHandler } from "./handlers/npz.js";
export { ParquetHandler } from "./handlers/parquet.js";
export { RefusedFormatHandler } from "./handlers/refused.js";
export { HandlerRegistry } from "./handlers/registry.js";
export { SafetensorsHandler } from "./handlers/safetensors.js";
export { SparseNpzHandler } from "./handlers/sparse-npz.js";
export { TextHandler } from "./handlers/text.js";
export { YamlHandler } from "./handlers/yaml.js";
export { MAX_KEY_BYTES, parseUri, validateKey } from "./keys.js";
export {
  type FieldSpec,
  type Logger,
  Options,
  type OptionsClass,
  type OptionsInit,
  type UriKeys,
} from "./options.js";
export {
  AutoPath,
  type AutoPathInit,
  type PathCallOptions,
  type PathTransferOptions,
} from "./path/autopath.js";
export { type LocalFiles, registerLocalFiles } from "./path/local-files.js";
export type { DownloadTarget, UploadSource } from "./path/transfers.js";
export type { StandardSchemaV1 } from "./schema.js";
export type { BackendFactory, BuiltinKind, OpenContext } from "./schemes.js";
export { AutoStore } from "./store.js";
export type {
  AutoStoreInit,
  FileMetadata,
  GetOptions,
  PrimaryBackend,
  SetOptions,
  TransferOptions,
} from "./store-options.js";
export type { ParquetCompression, ParquetWriteOptions } from "./tables/parquet-options.js";
export { isArrowTable, type TableLike } from "./tables/table-like.js";
export { initParquetWasm, type ParquetWasmSource } from "./tables/wasm.js";
